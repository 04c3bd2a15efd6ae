"""The verified-convergence report: claims run, figures drawn, claims.json and index.html."""

from convlab.report.build import build, select
from convlab.report.table import verdict_table

__all__ = ["build", "select", "verdict_table"]
