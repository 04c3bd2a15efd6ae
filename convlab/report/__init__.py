"""The verified-convergence report: claims run, figures drawn, claims.json and index.html."""

from convlab.report.build import build
from convlab.report.folder import check_out
from convlab.report.selection import Selection, select
from convlab.report.table import verdict_table

__all__ = ["Selection", "build", "check_out", "select", "verdict_table"]
