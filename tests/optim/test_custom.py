"""Writing your own optimizer or problem (issue #15): the obvious code is right in a run and in
a sweep, and every mistake gets an error naming the class, the method and the argument."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import numpy as np
import pytest

import convlab
import convlab.optim as co
from convlab.backend import eps, get_namespace
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.problems import Problem, Quadratic


class SignGD(co.Optimizer):
    """sign-GD written the obvious way: it reads ``self.lr`` in its step."""

    elementwise = True

    def __init__(self, lr):
        self.lr = lr

    def init(self, params):
        return None

    def step(self, params, grad, state, oracle=None):
        xp = convlab.backend.array_namespace(params)
        return params - self.lr * xp.sign(grad), state


class Separable(Problem):
    """½Σ cᵢxᵢ², evaluated elementwise so a batch equals its runs to the bit."""

    minimizer = None

    def __init__(self, c, x0):
        self.xp, self.dtype = get_namespace("numpy"), np.float64
        self.c, self.dim, self.x0 = np.asarray(c, dtype=float), len(c), x0

    def value(self, x):
        return 0.5 * np.sum(self.c * x * x, axis=-1)

    def grad(self, x):
        return self.c * x


@pytest.mark.parametrize(("runs", "dim"), [(2, 2), (3, 2), (2, 5)])
def test_a_custom_optimizer_swept_equals_its_single_runs_to_the_bit(runs, dim):
    problem = Separable(np.linspace(1.0, 4.0, dim), np.linspace(1.0, 2.0, dim))
    lrs = list(np.geomspace(1e-3, 1e-1, runs))
    result = co.sweep(problem, SignGD, {"lr": lrs}, steps=40)
    for r, lr in enumerate(lrs):
        alone = co.run(problem, SignGD(lr), steps=40)
        assert np.array_equal(result.trace.run(r).loss, alone.loss)
        assert result.table.rows[r]["final_loss"] == float(alone.loss[-1])


def test_a_custom_optimizer_swept_on_a_quadratic_matches_its_runs():
    """The issue's case: R = d = 2, where an unbroadcast lr gave both rows one wrong loss."""
    problem = Quadratic.from_spectrum([1.0, 10.0], seed=0)
    result = co.sweep(problem, SignGD, {"lr": [1e-3, 1e-2]}, steps=100)
    finals = [float(co.run(problem, SignGD(lr), steps=100).loss[-1]) for lr in (1e-3, 1e-2)]
    assert result.table.column("final_loss") == pytest.approx(finals, rel=1e-12)
    assert finals[0] != pytest.approx(finals[1])


def test_a_setting_cannot_be_changed_after_a_run():
    problem = Quadratic.from_spectrum([1.0, 10.0], seed=0)
    x0 = np.stack([problem.x0, problem.x0])
    opt = co.GD(lr=np.array([0.1, 0.1]))
    first = co.run(problem, opt, steps=20, x0=x0)
    with pytest.raises(dataclasses.FrozenInstanceError, match=r"GD\.lr.*replace\(lr="):
        opt.lr = np.array([0.15, 0.15])
    changed = co.run(problem, opt.replace(lr=np.array([0.15, 0.15])), steps=20, x0=x0)
    assert not np.array_equal(changed.loss, first.loss)  # no stale per-run value
    alone = co.run(problem, co.GD(0.15), steps=20)
    assert np.allclose(changed.run(0).loss, alone.loss, rtol=1e-12, atol=0)


def test_replace_checks_the_new_value_and_the_name():
    with pytest.raises(dataclasses.FrozenInstanceError, match="GD.lr"):
        co.GD(0.1).lr = -5.0
    with pytest.raises(ArgumentError, match=r"lr: expected a value in \(0, inf\), got -5"):
        co.GD(0.1).replace(lr=-5.0)
    with pytest.raises(ArgumentError, match=r"GD\.replace.*momentum"):
        co.GD(0.1).replace(momentum=0.9)
    assert co.HeavyBall(0.1, 0.5).replace(momentum=0.7).beta == 0.7


def test_an_optimizer_without_step_cannot_be_built():
    class NoStep(co.Optimizer):
        def init(self, params):
            return None

    with pytest.raises(TypeError, match="NoStep.*step"):
        NoStep()


class _ParamsOnly(co.Optimizer):
    def __init__(self, lr):
        self.lr = lr

    def init(self, params):
        return None

    def step(self, params, grad, state, oracle=None):
        return params - self.lr * grad  # forgot the state


class _WrongShape(_ParamsOnly):
    def step(self, params, grad, state, oracle=None):
        return params[..., :1], state


class _WrongDtype(_ParamsOnly):
    def step(self, params, grad, state, oracle=None):
        return np.asarray(params, dtype=np.float32), state


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (_ParamsOnly, r"_ParamsOnly\.step\(params, grad, state, oracle\): expected a pair"),
        (_WrongShape, r"_WrongShape\.step.*shape \(2,\) and dtype float64"),
        (_WrongDtype, r"_WrongDtype\.step.*dtype float64"),
    ],
)
def test_what_step_returns_is_checked(cls, message):
    with pytest.raises(ArgumentTypeError, match=message):
        co.run(Quadratic.from_spectrum([1.0, 2.0]), cls(0.1), steps=3)


def test_a_problems_default_start_may_be_a_list():
    problem = Separable([1.0, 2.0], [1.0, -1.0])
    default = co.run(problem, co.GD(0.1), steps=5)
    given = co.run(problem, co.GD(0.1), steps=5, x0=[1.0, -1.0])
    assert np.array_equal(default.loss, given.loss)


def test_a_problem_without_dim_is_named():
    class NoDim(Problem):
        def value(self, x):
            return x @ x

    problem = NoDim()
    with pytest.raises(ArgumentTypeError, match=r"problem: expected .*NoDim\.dim is None"):
        co.run(problem, co.GD(0.1), steps=5)


class DuckGD:
    """No convlab base class: init and step are all a run needs."""

    def __init__(self, lr):
        self.lr = lr

    def init(self, params):
        return 0

    def step(self, params, grad, state, oracle=None):
        return params - self.lr * grad, state + 1


def test_a_duck_typed_optimizer_runs_and_sweeps():
    problem = Quadratic.from_spectrum([1.0, 3.0, 9.0], seed=1)
    assert np.array_equal(
        co.run(problem, DuckGD(0.1), steps=30).loss, co.run(problem, co.GD(0.1), steps=30).loss
    )
    result = co.sweep(problem, DuckGD, {"lr": [0.05, 0.1]}, steps=30)
    for r, lr in enumerate((0.05, 0.1)):
        alone = co.run(problem, co.GD(lr), steps=30)
        assert np.allclose(result.trace.run(r).loss, alone.loss, rtol=1e-12, atol=0)


class ScaleByLr:
    """An Optax-style transformation (init/update), written by hand: updates = −η g."""

    def __init__(self, lr):
        self.lr = lr

    def init(self, params):
        return {"count": 0}

    def update(self, updates, state, params=None):
        return -self.lr * updates, {"count": state["count"] + 1}


def test_an_optax_style_pair_runs_through_from_optax():
    problem = Quadratic.from_spectrum([1.0, 3.0, 9.0], seed=1)
    trace = co.run(problem, co.from_optax(ScaleByLr(0.1)), steps=30)
    assert np.array_equal(trace.loss, co.run(problem, co.GD(0.1), steps=30).loss)
    assert trace.extra["state"] == {"count": 30}
    with pytest.raises(ArgumentTypeError, match=r"lacks step.*from_optax"):
        co.run(problem, ScaleByLr(0.1), steps=3)
    with pytest.raises(ArgumentTypeError, match="transform: .*lacks init and update"):
        co.from_optax(object())


def test_a_class_instead_of_an_optimizer_is_named():
    with pytest.raises(ArgumentTypeError, match=r"an optimizer object, e\.g\. GD\(lr=\.\.\.\)"):
        co.run(Quadratic.from_spectrum([1.0, 2.0]), co.GD, steps=3)


def test_steps_and_record_are_checked():
    problem = Quadratic.from_spectrum([1.0, 2.0])
    with pytest.raises(
        ArgumentTypeError, match="steps: expected a positive integer, got float 2.5"
    ):
        co.run(problem, co.GD(0.1), steps=2.5)
    with pytest.raises(ArgumentError, match="steps: expected a positive integer, got 0$"):
        co.run(problem, co.GD(0.1), steps=0)
    trace = co.run(problem, co.GD(0.1), steps=3, record="params")
    assert trace.params.shape == (4, 2)
    with pytest.raises(ArgumentError, match=r"record: expected names from .*\['p'"):
        co.run(problem, co.GD(0.1), steps=3, record=["p"])


def test_dist_is_recorded_only_where_the_minimizer_is_known():
    problem = Separable([1.0, 2.0], [1.0, -1.0])
    assert co.run(problem, co.GD(0.1), steps=3).dist is None  # the default asks only if known
    with pytest.raises(ArgumentError, match=r"record: .*'dist'.*Separable\.minimizer is None"):
        co.run(problem, co.GD(0.1), steps=3, record=("dist",))


def test_a_callback_with_the_wrong_signature_is_refused_before_the_run():
    def callback(t):
        return False

    with pytest.raises(ArgumentTypeError, match=r"callback: expected .*\(t, x, loss, grad\)"):
        co.run(Quadratic.from_spectrum([1.0, 2.0]), co.GD(0.1), steps=3, callback=callback)
    co.run(Quadratic.from_spectrum([1.0, 2.0]), co.GD(0.1), steps=3, callback=lambda *a: None)


def test_import_convlab_gives_every_subpackage():
    code = "import convlab; print(convlab.symbolic.derive.__name__, convlab.problems.Quadratic)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("derive ")
    with pytest.raises(AttributeError, match="no attribute 'optimz'"):
        convlab.optimz  # noqa: B018


def test_heavy_ball_and_nesterov_take_torchs_name_for_beta():
    problem = Quadratic.from_spectrum([1.0, 10.0], seed=0)
    for cls in (co.HeavyBall, co.Nesterov):
        a, b = cls(0.05, momentum=0.8), cls(0.05, beta=0.8)
        assert np.array_equal(co.run(problem, a, steps=20).loss, co.run(problem, b, steps=20).loss)
    with pytest.raises(ArgumentError, match="momentum: expected either 'beta' or its alias"):
        co.HeavyBall(0.05, beta=0.8, momentum=0.8)
    result = co.sweep(problem, co.HeavyBall, {"lr": [0.05], "momentum": [0.5, 0.8]}, steps=20)
    assert result.table.column("momentum") == [0.5, 0.8]
    alone = co.run(problem, co.HeavyBall(0.05, 0.8), steps=20)
    assert np.allclose(result.trace.run(1).loss, alone.loss, rtol=1e-12, atol=0)


def test_a_sweep_names_the_arguments_a_class_takes():
    problem = Quadratic.from_spectrum([1.0, 10.0])
    with pytest.raises(ArgumentError, match=r"sweep\(GD, \.\.\.\): expected arguments of GD: lr"):
        co.sweep(problem, co.GD, {"lr": [0.1], "momentum": [0.5]}, steps=5)
    with pytest.raises(ArgumentError, match=r"aliases: momentum → beta.*got 'mu'"):
        co.sweep(problem, co.HeavyBall, {"lr": [0.1], "mu": [0.5]}, steps=5)


def test_a_sweep_takes_an_optimizer_object():
    problem = Quadratic.from_spectrum([1.0, 10.0], seed=0)
    grid = {"lr": [0.01, 0.05]}
    built = co.sweep(problem, co.SGD(momentum=0.5, weight_decay=0.01), grid, steps=30)
    from_class = co.sweep(problem, co.SGD, grid, steps=30, momentum=0.5, weight_decay=0.01)
    assert np.array_equal(built.trace.loss, from_class.trace.loss)
    with pytest.raises(ArgumentError, match="no further optimizer arguments"):
        co.sweep(problem, co.SGD(), grid, steps=30, momentum=0.5)


class _WithTol(co.Optimizer):
    def __init__(self, lr, tol=1e-3):
        self.lr, self.tol = lr, tol

    def init(self, params):
        return None

    def step(self, params, grad, state, oracle=None):
        return params - self.lr * grad, state


def test_a_run_option_that_is_also_an_optimizer_argument_is_not_taken_silently():
    problem = Quadratic.from_spectrum([1.0, 10.0])
    with pytest.raises(ArgumentError, match=r"tol: .*_WithTol has an argument of the same name"):
        co.sweep(problem, _WithTol, {"lr": [0.1]}, steps=5, tol=1e-6)
    result = co.sweep(problem, _WithTol(0.1, tol=0.5), {"lr": [0.1]}, steps=5, tol=1e-6)
    assert len(result.table) == 1


class _FloatLr(SignGD):
    def __init__(self, lr):
        self.lr = float(lr)


class _Renamed(SignGD):
    def __init__(self, lr):
        self.step_size = lr

    def step(self, params, grad, state, oracle=None):
        return params - self.step_size * grad, state


class _Averaged(SignGD):
    def __init__(self, lr):
        self.lr = np.mean(lr)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (_FloatLr, r"_FloatLr\.__init__: expected a constructor that accepts each swept"),
        (_Renamed, r"_Renamed\.lr: expected the 2 per-run values"),
        (_Averaged, r"_Averaged\.lr: expected the 2 per-run values"),
    ],
)
def test_an_optimizer_that_cannot_be_swept_says_so_at_sweep_time(cls, message):
    with pytest.raises(ArgumentTypeError, match=message):
        co.sweep(Quadratic.from_spectrum([1.0, 10.0]), cls, {"lr": [0.1, 0.2]}, steps=5)


def test_pairs_of_different_lengths_in_a_grid_are_named():
    with pytest.raises(ArgumentError, match=r"grid\['betas'\]: expected values that are all pairs"):
        co.sweep(
            Quadratic.from_spectrum([1.0, 10.0]),
            co.Adam,
            {"betas": [(0.9, 0.999), (0.8,)]},
            steps=5,
        )


def test_single_and_batched_records_keep_their_types():
    problem = Quadratic.from_spectrum([1.0, 10.0], seed=0)
    one = co.run(problem, co.GD(0.15), steps=300, tol=1e-8)
    assert type(one) is co.Trace and isinstance(one.n_steps, int)
    assert one.status is co.Status.CONVERGED and one.status == "converged" and one.status.success
    assert isinstance(one.rate(), co.RateFit) and not hasattr(one, "run")
    many = co.run(problem, co.GD(np.array([0.05, 3.0])), steps=300, x0=np.ones((2, 2)))
    assert type(many) is co.BatchedTrace and many.n_steps.shape == (2,)
    assert many.status == (co.Status.MAX_STEPS, co.Status.DIVERGED)
    assert not any(s.success for s in many.status) and f"{many.status[1]}" == "diverged"
    assert all(isinstance(f, co.RateFit) for f in many.rate())
    with pytest.raises(ArgumentError, match=r"r: expected a run index in \[0, 2\), got 2"):
        many.run(2)


def test_the_sweep_result_and_its_table_hand_on():
    result = co.sweep(Quadratic.from_spectrum([1.0, 10.0]), co.GD, {"lr": [0.1, 0.2]}, steps=5)
    assert dataclasses.is_dataclass(result) and type(result.trace) is co.BatchedTrace
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.table = None
    buffer = io.StringIO()
    result.table.to_csv(buffer)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "lr,final_loss,status,n_steps,rate"
    assert lines[1].startswith("0.1,") and ",max_steps,5," in lines[1]


def test_to_pandas_gives_a_data_frame():
    pd = pytest.importorskip("pandas")
    result = co.sweep(Quadratic.from_spectrum([1.0, 10.0]), co.GD, {"lr": [0.1, 0.2]}, steps=5)
    frame = result.table.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame["lr"]) == [0.1, 0.2]


def test_to_pandas_without_pandas_says_what_is_needed(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    result = co.sweep(Quadratic.from_spectrum([1.0, 10.0]), co.GD, {"lr": [0.1]}, steps=5)
    with pytest.raises(ModuleNotFoundError, match=r"to_pandas needs pandas.*to_csv"):
        result.table.to_pandas()


def test_one_machine_epsilon():
    assert eps("float32") == float(np.finfo(np.float32).eps)
    assert eps(np.float64) == float(np.finfo(np.float64).eps)
    with pytest.raises(ArgumentError, match="dtype"):
        eps("int32")
    problem = Quadratic.from_spectrum([1.0, 10.0], dtype="float32")
    assert co.run(problem, co.GD(0.1), steps=3)._eps() == eps("float32")


def test_per_run_values_of_the_wrong_length_are_named():
    with pytest.raises(ShapeError, match=r"SignGD\.lr: expected one value per run, shape \(3,\)"):
        co.run(Quadratic.from_spectrum([1.0, 2.0]), SignGD(np.ones(2)), x0=np.ones((3, 2)))


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("convlab.linalg", "jacobi", "jacobi_solve"),
        ("convlab.linalg", "gauss_seidel", "gauss_seidel_solve"),
        ("convlab.experiments", "Surface", "Contour"),
        ("convlab.experiments", "evaluate", "evaluate_claim"),
    ],
)
def test_renamed_objects_keep_their_old_names_with_a_warning(module, old, new):
    mod = __import__(module, fromlist=[new])
    with pytest.warns(DeprecationWarning, match=rf"{module}\.{old} is deprecated.*{new}"):
        assert getattr(mod, old) is getattr(mod, new)


class _StopsOddly(_ParamsOnly):
    def step(self, params, grad, state, oracle=None):
        return params - self.lr * grad, _StopState(co.Stop(True, "done", "finished"))


class _StopState(tuple):
    def __new__(cls, stop):
        return super().__new__(cls, (stop,))

    @property
    def stop(self):
        return self[0]


def test_an_optimizers_own_stop_must_use_a_known_status():
    with pytest.raises(ArgumentError, match=r"_StopsOddly\.step: state\.stop\.status.*'done'"):
        co.run(Quadratic.from_spectrum([1.0, 2.0]), _StopsOddly(0.1), steps=3)


def test_integers_are_reported_as_integers():
    with pytest.raises(ArgumentError, match=r"step_size: expected a positive integer, got 0$"):
        co.StepDecay(0.1, step_size=0)
    with pytest.raises(ArgumentError, match=r"weight_decay: expected .*\[0, inf\), got -1$"):
        co.SGD(0.1, weight_decay=-1)
