"""Tests of ffnn.plots: what each helper draws (artists, labels, colours) and how it rejects bad input."""

import re
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from ffnn import plots  # noqa: E402
from ffnn.data import flower, spirals  # noqa: E402
from ffnn.metrics import confusion_matrix, one_hot  # noqa: E402
from ffnn.validation import InputError, ShapeError  # noqa: E402

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def left_half(P):
    """Binary classifier: class 1 where x_1 > 0. P (2, k) -> (1, k) ints."""
    return (P[0:1] > 0).astype(int)


def three_sectors(P):
    """Three-class classifier: the sector of the angle of each point. P (2, k) -> (1, k) ints."""
    angle = np.arctan2(P[1], P[0]) + np.pi                     # in [0, 2π]
    return np.minimum(angle // (2 * np.pi / 3), 2).astype(int).reshape(1, -1)


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def filled_contours(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]


def legend_texts(legend):
    assert legend is not None, "expected a legend"
    return [t.get_text() for t in legend.get_texts()]


# ---------------------------------------------------------------------------------------------- module

def test_palette_is_okabe_ito():
    assert isinstance(plots.PALETTE, tuple)
    assert set(plots.PALETTE) == OKABE_ITO
    assert len(plots.PALETTE) == len(OKABE_ITO)


def test_all_lists_every_public_function():
    for name in ["PALETTE", "decision_boundary", "decision_boundary_grid", "loss_curves", "network_diagram",
                 "activation_plot", "heatmap", "confusion_matrix_plot", "scatter_classes", "grouped_bars"]:
        assert name in plots.__all__, name
        assert hasattr(plots, name), name


def test_plots_does_not_import_reference():
    """The student release ships without ffnn.reference, so importing ffnn.plots must not load it."""
    code = "import sys, ffnn.plots; print('ffnn.reference' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------- decision_boundary

def test_decision_boundary_binary_draws_regions_and_every_point():
    X, Y = flower(m=200)
    fig = plots.decision_boundary(left_half, X, Y)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert ax.get_title() == "Decision boundary"
    filled = filled_contours(ax)
    assert len(filled) == 1
    np.testing.assert_allclose(filled[0].levels, [-0.5, 0.5, 1.5])
    unfilled = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    assert len(unfilled) == 1, "expected one boundary line for two classes"
    assert sum(len(c.get_offsets()) for c in scatters(ax)) == X.shape[1]
    assert legend_texts(ax.get_legend()) == ["class 0", "class 1", "decision boundary"]


def test_decision_boundary_colours_points_by_true_class():
    X, Y = flower(m=120)
    fig = plots.decision_boundary(left_half, X, Y, class_names=["left", "right"])
    ax = fig.axes[0]
    by_label = {c.get_label(): c for c in scatters(ax)}
    assert set(by_label) == {"left", "right"}
    for c, name in enumerate(["left", "right"]):
        collection = by_label[name]
        assert to_hex(collection.get_facecolor()[0]).upper() == plots.PALETTE[c]
        np.testing.assert_allclose(collection.get_offsets(), X[:, Y[0] == c].T)


def test_decision_boundary_multiclass_spirals():
    X, labels = spirals(m_per_class=50, classes=3)
    fig = plots.decision_boundary(three_sectors, X, labels, title="Three sectors")
    ax = fig.axes[0]
    assert ax.get_title() == "Three sectors"
    np.testing.assert_allclose(filled_contours(ax)[0].levels, [-0.5, 0.5, 1.5, 2.5])
    assert len(scatters(ax)) == 3
    assert sum(len(c.get_offsets()) for c in scatters(ax)) == 150
    assert legend_texts(ax.get_legend())[:3] == ["class 0", "class 1", "class 2"]


def test_decision_boundary_accepts_one_hot_and_boolean_predictions():
    X, labels = spirals(m_per_class=30, classes=3)
    from_labels = plots.decision_boundary(three_sectors, X, labels).axes[0]
    from_one_hot = plots.decision_boundary(three_sectors, X, one_hot(labels, 3)).axes[0]
    for a, b in zip(scatters(from_labels), scatters(from_one_hot), strict=True):
        np.testing.assert_array_equal(a.get_offsets(), b.get_offsets())
    fig = plots.decision_boundary(lambda P: P[0:1] > 0, *flower(m=40))
    assert len(filled_contours(fig.axes[0])) == 1


def test_decision_boundary_constant_classifier_has_no_boundary_and_no_warning():
    X, Y = flower(m=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plots.decision_boundary(lambda P: np.zeros((1, P.shape[1]), dtype=int), X, Y).axes[0]
    assert len(filled_contours(ax)) == 1
    assert not [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]


def test_decision_boundary_draws_into_given_axes():
    X, Y = flower(m=40)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    returned = plots.decision_boundary(left_half, X, Y, ax=ax2, resolution=30)
    assert returned is fig
    assert not ax1.collections and filled_contours(ax2)


@pytest.mark.parametrize("X, fragments", [
    (np.zeros((3, 10)), ["'X'", "(3, 10)", "(2, m)"]),
    (np.zeros((10, 2)), ["'X'", "(10, 2)", "X.T"]),
    (np.zeros(10), ["'X'", "(10,)", "2-D"]),
])
def test_decision_boundary_rejects_bad_X(X, fragments):
    with pytest.raises(ShapeError) as info:
        plots.decision_boundary(left_half, X, np.zeros((1, 10)))
    for fragment in fragments:
        assert fragment in str(info.value)


def test_decision_boundary_rejects_Y_of_wrong_length_and_non_labels():
    X, Y = flower(m=40)
    with pytest.raises(ShapeError) as info:
        plots.decision_boundary(left_half, X, Y[:, :30])
    assert "'Y'" in str(info.value) and "(1, 30)" in str(info.value) and "m = 40" in str(info.value)
    with pytest.raises(InputError, match="0.3"):
        plots.decision_boundary(left_half, X, np.full((1, 40), 0.3))


@pytest.mark.parametrize("predict, error, fragments", [
    (lambda P: np.zeros((1, 5)), ShapeError, ["returned shape (1, 5)", "(1, 100)"]),
    (lambda P: np.zeros((3, P.shape[1])), ShapeError, ["(3, 100)", "np.argmax"]),
    (lambda P: np.full((1, P.shape[1]), 0.7), InputError, ["non-integer", "0.7"]),
    (lambda P: None, InputError, ["predict", "(1, 100)"]),
])
def test_decision_boundary_explains_bad_predict_output(predict, error, fragments):
    X, Y = flower(m=40)
    with pytest.raises(error) as info:
        plots.decision_boundary(predict, X, Y, resolution=10)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_decision_boundary_grid_one_panel_per_predictor_and_hides_the_rest():
    X, Y = flower(m=60)
    predictors = {f"threshold {t}": (lambda t: lambda P: (P[0:1] > t).astype(int))(t) for t in range(5)}
    fig = plots.decision_boundary_grid(predictors, X, Y, ncols=3, resolution=20, suptitle="Thresholds")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == list(predictors)
    assert not fig.axes[5].get_visible()
    for ax in visible:
        assert ax.get_xlabel() and ax.get_ylabel()
        assert sum(len(c.get_offsets()) for c in scatters(ax)) == 60
    assert len(fig.legends) == 1 and "class 1" in legend_texts(fig.legends[0])
    assert fig.get_suptitle() == "Thresholds"


def test_decision_boundary_grid_rejects_empty_dict():
    with pytest.raises(InputError, match="predictors"):
        plots.decision_boundary_grid({}, *flower(m=10))


def test_scatter_classes_draws_all_points():
    X, labels = spirals(m_per_class=20, classes=4)
    fig = plots.scatter_classes(X, labels, class_names=list("abcd"))
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert sum(len(c.get_offsets()) for c in scatters(ax)) == 80
    assert legend_texts(ax.get_legend()) == list("abcd")
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert not filled_contours(ax)
    with pytest.raises(InputError, match="class_names"):
        plots.scatter_classes(X, labels, class_names=["only", "two"])


# ---------------------------------------------------------------------------------------------- loss_curves

def test_loss_curves_several_runs():
    histories = {"lr = 0.01": [0.7, 0.6, 0.5], "lr = 0.1": [0.7, 0.4, 0.2, 0.1], "lr = 1": [0.7, 0.9]}
    fig = plots.loss_curves(histories)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    assert legend_texts(ax.get_legend()) == list(histories)
    assert [to_hex(line.get_color()).upper() for line in ax.get_lines()] == list(plots.PALETTE[:3])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), histories["lr = 0.1"])
    assert ax.get_xlabel() == "iteration" and ax.get_ylabel() == "cost J"
    assert ax.get_title() == "Cost during training"


def test_loss_curves_single_sequence_has_no_legend_and_scales():
    costs = np.linspace(1.0, 0.1, 50)
    ax = plots.loss_curves(costs, log_scale=True, every=100).axes[0]
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None
    assert ax.get_yscale() == "log"
    assert ax.get_lines()[0].get_xdata()[-1] == 4900


def test_loss_curves_rejects_bad_histories():
    with pytest.raises(InputError, match="empty"):
        plots.loss_curves({})
    with pytest.raises(ShapeError, match=r"\(3, 4\)"):
        plots.loss_curves(np.ones((3, 4)))
    with pytest.raises(InputError, match="log_scale"):
        plots.loss_curves([1.0, 0.0], log_scale=True)


# ---------------------------------------------------------------------------------------------- network_diagram

def circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def edge_count(ax):
    return sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))


def test_network_diagram_small_network():
    fig = plots.network_diagram([2, 4, 1], activations=["tanh", "sigmoid"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(circles(ax)) == 7
    assert edge_count(ax) == 2 * 4 + 4 * 1
    texts = [t.get_text() for t in ax.texts]
    assert "layer 1\nn[1] = 4\ntanh" in texts
    assert any(t.startswith("input layer") for t in texts)
    assert "$x_{1}$" in texts and "$x_{2}$" in texts
    assert not ax.axison and ax.get_aspect() == 1.0
    assert "[2, 4, 1]" in ax.get_title()


def test_network_diagram_truncates_big_layers():
    ax = plots.network_diagram([784, 128, 10], max_units=8).axes[0]
    shown = len(circles(ax))
    assert shown < 784 + 128 + 10
    assert shown == 3 * 7                                    # first 6, ellipsis, last: in every layer
    assert edge_count(ax) == 7 * 7 * 2
    texts = [t.get_text() for t in ax.texts]
    assert sum(r"\vdots" in t for t in texts) == 3
    assert any("n[0] = 784" in t for t in texts) and "$x_{784}$" in texts


def test_network_diagram_rejects_bad_arguments():
    with pytest.raises(InputError, match="2 names"):
        plots.network_diagram([2, 4, 1], activations=["relu"])
    with pytest.raises(InputError, match=r"layer_dims\[1\]"):
        plots.network_diagram([2, 0, 1])


# ---------------------------------------------------------------------------------------------- activation_plot

def saturation_patches(ax):
    return [c for c in ax.collections if c.get_label().startswith("saturation")]


def dead_patches(ax):
    return [c for c in ax.collections if c.get_label().startswith("dead")]


def shaded_xs(patch):
    return np.concatenate([path.vertices[:, 0] for path in patch.get_paths()])


def markers_at(ax, z):
    """The single-point marker lines drawn at z, as {label: (y, filled)}."""
    found = {}
    for line in ax.get_lines():
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if xs.size == 1 and xs[0] == z and line.get_marker() not in (None, "None", ""):
            found[line.get_label()] = (float(ys[0]), line.get_markerfacecolor() != "white")
    return found


def test_activation_plot_tanh_shades_both_tails():
    z = np.linspace(-6, 6, 241)
    fig = plots.activation_plot(z, np.tanh(z), 1 - np.tanh(z) ** 2, name="tanh")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "tanh" and ax.get_xlabel() and ax.get_ylabel()
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == \
        ["g(z)", "g'(z)"]
    shaded = saturation_patches(ax)
    assert len(shaded) == 1
    xs = np.concatenate([path.vertices[:, 0] for path in shaded[0].get_paths()])
    assert xs.min() < -2 and xs.max() > 2
    assert not np.any(np.abs(xs) < 2), "tanh is not saturated near 0"
    assert any(t.startswith("saturation") for t in legend_texts(ax.get_legend()))
    assert dead_patches(ax) == [] and markers_at(ax, 0.0) == {}, "only a kink gets markers and a dead region"


def test_activation_plot_relu_shades_only_negative_side():
    z = np.linspace(-4, 4, 161)
    ax = plots.activation_plot(z, np.maximum(0, z), (z > 0).astype(float), name="ReLU").axes[0]
    xs = np.concatenate([path.vertices[:, 0] for path in saturation_patches(ax)[0].get_paths()])
    assert xs.min() < -3
    assert xs.max() < 0, "the kink at z = 0 is not saturation"


def test_activation_plot_relu_kink_shades_all_of_the_negative_side_as_dead():
    z = np.linspace(-4, 4, 401)
    ax = plots.activation_plot(z, np.maximum(0, z), (z > 0).astype(float), name="ReLU", kink=0.0).axes[0]
    assert saturation_patches(ax) == [], "a derivative of exactly 0 is a dead unit, not saturation"
    shaded = dead_patches(ax)
    assert len(shaded) == 1
    xs = shaded_xs(shaded[0])
    assert xs.min() == -4 and xs.max() == 0, "the whole of z < 0 is dead, right up to the kink"
    texts = legend_texts(ax.get_legend())
    assert any(t.startswith("dead") for t in texts) and not any("saturat" in t for t in texts)


def test_activation_plot_relu_kink_marks_the_convention_and_does_not_join_the_jump():
    z = np.linspace(-4, 4, 401)
    ax = plots.activation_plot(z, np.maximum(0, z), (z > 0).astype(float), name="ReLU", kink=0.0).axes[0]
    markers = markers_at(ax, 0.0)
    assert sorted(markers.values()) == [(0.0, True), (1.0, False)], \
        "filled at the value g'(0) = 0 that the backward step takes, open at the limit 1 from the right"
    assert any("g'(0) = 0" in label for label in markers)
    pieces = [line for line in ax.get_lines()
              if line.get_linestyle() == "--" and np.asarray(line.get_xdata()).size > 1]
    assert len(pieces) == 2, "the derivative is drawn in two pieces, one each side of the kink"
    for piece in pieces:
        xs, ys = np.asarray(piece.get_xdata(), float), np.asarray(piece.get_ydata(), float)
        assert np.ptp(ys) == 0, "no vertical segment joins the two values of the jump"
        assert np.count_nonzero(xs == 0) == 1
    assert [line.get_label() for line in ax.get_lines()].count("g'(z)") == 1


def test_activation_plot_kink_with_another_convention_opens_both_limits():
    """A backward step that takes the midpoint 1/2 at the kink: filled there, open at both one-sided limits."""
    z = np.linspace(-2, 2, 81)
    slope = np.where(z > 0, 1.0, 0.0)
    slope[z == 0] = 0.5
    ax = plots.activation_plot(z, np.maximum(0, z), slope, name="ReLU", kink=0.0).axes[0]
    assert sorted(markers_at(ax, 0.0).values()) == [(0.0, False), (0.5, True), (1.0, False)]


def test_activation_plot_kink_without_a_zero_side_is_not_dead():
    z = np.linspace(-3, 3, 121)
    leaky = np.where(z > 0, 1.0, 0.1)
    ax = plots.activation_plot(z, np.where(z > 0, z, 0.1 * z), leaky, name="leaky ReLU", kink=0.0).axes[0]
    assert dead_patches(ax) == [] and saturation_patches(ax) == []
    assert sorted(markers_at(ax, 0.0).values()) == [(0.1, True), (1.0, False)]


@pytest.mark.parametrize("kink", [0.01, 4.0, "0", [0.0]])
def test_activation_plot_rejects_a_kink_off_the_grid(kink):
    z = np.linspace(-4, 4, 401)
    with pytest.raises(InputError, match="kink"):
        plots.activation_plot(z, np.maximum(0, z), (z > 0).astype(float), name="ReLU", kink=kink)


def test_activation_plot_flat_middle_is_not_saturation():
    """z**3 / 3 has a small slope near 0 but steepens towards the ends: nothing saturates."""
    z = np.linspace(-3, 3, 241)
    ax = plots.activation_plot(z, z ** 3 / 3, z ** 2, name="cube").axes[0]
    assert saturation_patches(ax) == []


def test_activation_plot_without_saturation_shades_nothing():
    z = np.linspace(-3, 3, 61)
    ax = plots.activation_plot(z, z, np.ones_like(z), name="identity").axes[0]
    assert saturation_patches(ax) == []


def test_activation_plot_rejects_unequal_lengths():
    z = np.linspace(-1, 1, 11)
    with pytest.raises(ShapeError) as info:
        plots.activation_plot(z, np.tanh(z), np.ones(10), name="tanh")
    assert "'da_dz'" in str(info.value) and "(10,)" in str(info.value) and "(11,)" in str(info.value)


# ---------------------------------------------------------------------------------------------- heatmap

def test_heatmap_signed_matrix_is_diverging_symmetric_and_annotated():
    M = np.array([[-0.5, 0.25, 2.0], [1.0, -3.0, 0.0]])
    fig = plots.heatmap(M, title="W[1]")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    image = ax.get_images()[0]
    assert image.get_clim() == (-3.0, 3.0)
    assert image.get_cmap().name == plots.DIVERGING_CMAP
    assert sorted(t.get_text() for t in ax.texts) == sorted(format(v, ".2f") for v in M.ravel())
    assert len(fig.axes) == 2, "expected a colorbar"
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "W[1]"


def test_heatmap_one_sign_is_sequential_and_text_contrasts():
    M = np.arange(12.0).reshape(3, 4)
    ax = plots.heatmap(M, fmt=".0f").axes[0]
    image = ax.get_images()[0]
    assert image.get_cmap().name == plots.SEQUENTIAL_CMAP
    assert image.get_clim() == (0.0, 11.0)
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["0"] == "white"                            # darkest viridis colour
    assert colours["11"] == "black"                           # lightest viridis colour


def test_heatmap_big_matrix_not_annotated_and_options_respected():
    ax = plots.heatmap(np.ones((20, 20)) * np.arange(20)).axes[0]
    assert len(ax.texts) == 0
    ax = plots.heatmap(np.arange(4.0).reshape(2, 2), diverging=True, annotate=False,
                       row_labels=["a", "b"], col_labels=["c", "d"]).axes[0]
    assert ax.get_images()[0].get_clim() == (-3.0, 3.0)
    assert len(ax.texts) == 0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]


def test_heatmap_rejects_bad_input():
    with pytest.raises(ShapeError, match=r"'M'.*\(5,\)"):
        plots.heatmap(np.ones(5))
    with pytest.raises(InputError, match="row_labels"):
        plots.heatmap(np.ones((2, 3)), row_labels=["a"])


# ---------------------------------------------------------------------------------------------- confusion matrix

def test_confusion_matrix_plot_counts():
    C = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    fig = plots.confusion_matrix_plot(C, class_names=["a", "b", "c"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "true class" and ax.get_xlabel() == "predicted class"
    assert ax.get_title() == "Confusion matrix"
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in C.ravel())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_confusion_matrix_plot_normalized_rows():
    C = np.array([[3, 1], [0, 0]])
    ax = plots.confusion_matrix_plot(C, normalize=True).axes[0]
    assert ax.get_images()[0].get_clim() == (0.0, 1.0)
    assert sorted(t.get_text() for t in ax.texts) == ["0.00", "0.00", "0.25", "0.75"]


def test_confusion_matrix_plot_rejects_non_square():
    with pytest.raises(ShapeError, match=r"\(2, 3\)"):
        plots.confusion_matrix_plot(np.zeros((2, 3), dtype=int))


# ---------------------------------------------------------------------------------------------- all helpers

def draw_all(ax):
    X, Y = flower(m=30)
    z = np.linspace(-3, 3, 31)
    return [
        plots.decision_boundary(left_half, X, Y, ax=ax, resolution=20),
        plots.scatter_classes(X, Y, ax=ax),
        plots.loss_curves([1.0, 0.5], ax=ax),
        plots.network_diagram([3, 2], ax=ax),
        plots.activation_plot(z, np.tanh(z), 1 - np.tanh(z) ** 2, name="tanh", ax=ax),
        plots.heatmap(np.eye(2), ax=ax),
        plots.confusion_matrix_plot(np.eye(2, dtype=int), ax=ax),
        plots.grouped_bars({"a": [1.0, 2.0]}, group_labels=["x", "y"], ax=ax),
    ]


def test_every_helper_returns_the_figure_of_the_given_axes():
    fig, ax = plt.subplots()
    assert all(returned is fig for returned in draw_all(ax))


def test_every_helper_makes_a_new_constrained_figure_without_ax():
    figures = draw_all(None)
    assert len({id(f) for f in figures}) == len(figures)
    for fig in figures:
        assert isinstance(fig, Figure)
        assert fig.get_layout_engine() is not None
        assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"


def test_curves_draws_each_function_and_marks_blow_ups():
    from ffnn import plots as course_plots
    z = np.linspace(-50, 50, 11)
    with np.errstate(all="ignore"):
        naive = 1 / (1 - 1 / (1 + np.exp(-z)))
    fig = course_plots.curves(z, {"naive": naive, "fused": np.tanh(z)}, xlabel="logit z", ylabel="dJ/dz",
                              title="Seeds")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "naive" in labels and "fused" in labels and "naive: NaN/inf" in labels
    assert ax.get_xlabel() == "logit z" and ax.get_title() == "Seeds"
    with pytest.raises(ShapeError, match=r"ys\['bad'\] has shape \(3,\) but x has shape \(11,\)"):
        course_plots.curves(z, {"bad": [1.0, 2.0, 3.0]})


def test_curves_can_shade_where_a_curve_is_not_finite_instead_of_marking_each_point():
    """On a dense grid the crosses under every NaN merge into a wall: "shade" draws one hatched, labelled region
    per run of non-finite values, from halfway before its first point to halfway after its last."""
    z = np.linspace(-50, 50, 1001)
    with np.errstate(all="ignore"):
        naive = np.where(z > 36.7, np.nan, np.tanh(z))
    naive[100:103] = np.inf                                   # a second, short run
    fig = plots.curves(z, {"naive": naive, "fused": np.tanh(z)}, nonfinite="shade", legend=None)
    ax = fig.axes[0]
    assert ax.get_legend() is None
    assert not [line for line in ax.get_lines() if line.get_marker() == "x"], "no crosses when shading"
    spans = [patch for patch in ax.patches if patch.get_hatch()]
    assert len(spans) == 2
    extents = sorted((round(patch.get_x(), 6), round(patch.get_x() + patch.get_width(), 6)) for patch in spans)
    assert extents == [(-40.05, -39.75), (36.75, 50.0)], extents
    handles, labels = ax.get_legend_handles_labels()
    assert labels.count("naive: NaN/inf") == 1 and "fused" in labels
    assert [t.get_text() for t in ax.texts] == ["NaN/inf", "NaN/inf"]
    label = next(t for t in ax.texts if t.get_position()[0] > 36)
    assert label.get_position()[1] == 0.03, "tanh runs along the top there: the label goes to the bottom"


def test_curves_keeps_its_defaults_and_rejects_bad_options():
    z = np.linspace(0, 1, 5)
    ax = plots.curves(z, {"y": z}).axes[0]
    assert ax.get_legend() is not None and not ax.patches
    with pytest.raises(InputError, match="nonfinite"):
        plots.curves(z, {"y": z}, nonfinite="hide")
    with pytest.raises(InputError, match="increasing"):
        plots.curves(z[::-1], {"y": z}, nonfinite="shade")
    with pytest.raises(InputError, match="legend"):
        plots.curves(z, {"y": z}, legend=True)


# ---------------------------------------------------------------------------------------------- grouped_bars

def test_grouped_bars_one_hatched_bar_per_series_and_group_with_its_value_written_on_it():
    accuracy = {"sigmoid": [0.973, 0.967, 0.989], "softmax": [0.80, 0.767, 0.847]}
    fig = plots.grouped_bars(accuracy, group_labels=["even", ">= 5", "prime"], fmt=".1%", xlabel="label",
                             ylabel="test accuracy", title="Per-label accuracy")
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 6
    assert [round(bar.get_height(), 3) for bar in bars] == [0.973, 0.967, 0.989, 0.8, 0.767, 0.847]
    assert {bar.get_y() for bar in bars} == {0.0}, "bars start at 0"
    by_series = [bars[:3], bars[3:]]
    assert len({bar.get_hatch() or "" for bar in bars[:3]}) == 1 and bars[0].get_hatch() != bars[3].get_hatch()
    assert to_hex(by_series[0][0].get_facecolor()) != to_hex(by_series[1][0].get_facecolor())
    centres = [bar.get_x() + bar.get_width() / 2 for bar in bars]
    assert centres[0] < centres[3] < centres[1] < centres[4], "the series sit side by side within each group"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["even", ">= 5", "prime"]
    written = sorted(t.get_text() for t in ax.texts)
    assert written == sorted(["97.3%", "96.7%", "98.9%", "80.0%", "76.7%", "84.7%"])
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] > 0.989, "room above the highest bar for its value"
    assert ax.yaxis.get_major_formatter()(0.5, 0).endswith("%")
    assert legend_texts(ax.get_legend()) == ["sigmoid", "softmax"]
    assert ax.get_xlabel() == "label" and ax.get_ylabel() == "test accuracy" and ax.get_title() == "Per-label accuracy"


def test_grouped_bars_negative_values_and_options():
    ax = plots.grouped_bars({"a": np.array([-1.0, 2.0])}, group_labels=["x", "y"], fmt="d", legend=None,
                            ylim=(-3, 3)).axes[0]
    assert ax.get_legend() is None and ax.get_ylim() == (-3, 3)
    assert sorted(t.get_text() for t in ax.texts) == ["-1", "2"]
    ax = plots.grouped_bars({"a": [-1.0, 2.0]}, group_labels=["x", "y"]).axes[0]
    assert ax.get_ylim()[0] < -1 and ax.get_ylim()[1] > 2


@pytest.mark.parametrize("series, kwargs, error, fragment", [
    ({}, {}, InputError, "non-empty dict"),
    ([0.5, 0.6], {}, InputError, "non-empty dict"),
    ({"a": [0.5, 0.6], "b": [0.5]}, {}, ShapeError, "one value per group"),
    ({"a": [[0.5, 0.6]]}, {}, ShapeError, "1-D"),
    ({"a": []}, {"group_labels": []}, ShapeError, "empty"),
    ({"a": [0.5, np.nan]}, {}, InputError, "NaN"),
    ({"a": [0.5, 0.6]}, {"group_labels": ["x"]}, InputError, "one name per group"),
    ({"a": [0.5, 0.6]}, {"group_labels": "xy"}, InputError, "list of names"),
    ({"a": [0.5, 0.6]}, {"fmt": "q"}, InputError, "format"),
    ({"a": [0.5, 0.6]}, {"fmt": 3}, InputError, "format"),
    ({"a": [0.5, 0.6]}, {"ylim": (1, 0)}, InputError, "bottom < top"),
    ({"a": [0.5, 0.6]}, {"legend": 3}, InputError, "legend"),
])
def test_grouped_bars_rejects_bad_input(series, kwargs, error, fragment):
    arguments = {"group_labels": ["x", "y"], **kwargs}
    with pytest.raises(error, match=fragment):
        plots.grouped_bars(series, **arguments)


# ---------------------------------------------------------------------------------------------- computation_graph

SIGMOID_NODES = {"u0": "$u_0 = z$", "u1": "$u_1 = -u_0$", "u2": r"$u_2 = \exp(u_1)$", "u3": "$u_3 = 1 + u_2$",
                 "u4": "$u_4 = 1/u_3 = a$"}
SIGMOID_EDGES = [("u0", "u1"), ("u1", "u2"), ("u2", "u3"), ("u3", "u4")]
TANH_EDGES = [("u0", "u1"), ("u0", "u2"), ("u1", "u3"), ("u2", "u4"), ("u3", "u4"), ("u2", "u5"), ("u3", "u5"),
              ("u5", "u6"), ("u4", "u7"), ("u6", "u7")]


def graph_artists(ax, kind):
    """The graph's artists of one kind ("node", "edge" or "edge_label"), keyed by the name in their gid."""
    return {a.get_gid().split(":", 1)[1]: a for a in ax.texts if (a.get_gid() or "").startswith(kind + ":")}


def test_computation_graph_draws_every_node_edge_and_label():
    local = {("u0", "u1"): "$-1$", ("u3", "u4"): "$-1/u_3^2$"}
    fig = plots.computation_graph(SIGMOID_NODES, SIGMOID_EDGES, edge_labels=local, title="Sigmoid")
    assert "computation_graph" in plots.__all__
    assert isinstance(fig, Figure)
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    ax = fig.axes[0]
    nodes, edges, labels = (graph_artists(ax, kind) for kind in ("node", "edge", "edge_label"))
    assert {name: text.get_text() for name, text in nodes.items()} == SIGMOID_NODES
    assert all(text.get_bbox_patch() is not None for text in nodes.values()), "every node sits in a box"
    assert set(edges) == {f"{s}->{t}" for s, t in SIGMOID_EDGES}
    assert all(arrow.arrow_patch is not None for arrow in edges.values())
    assert {name: text.get_text() for name, text in labels.items()} == {"u0->u1": "$-1$", "u3->u4": "$-1/u_3^2$"}
    assert ax.get_title() == "Sigmoid" and not ax.axison
    assert ax.get_legend() is None


def test_computation_graph_columns_are_depths_and_same_depth_nodes_are_stacked():
    names = [f"u{k}" for k in range(8)]
    ax = plots.computation_graph(names, TANH_EDGES).axes[0]
    nodes = graph_artists(ax, "node")
    assert [nodes[name].get_text() for name in names] == names, "a list of names labels each node by its name"
    x = {name: nodes[name].get_position()[0] for name in names}
    y = {name: nodes[name].get_position()[1] for name in names}
    # depth = longest path from u0: u4 and u5 wait for u3 (depth 2), u7 for u6 (depth 4)
    depth = {"u0": 0, "u1": 1, "u2": 1, "u3": 2, "u4": 3, "u5": 3, "u6": 4, "u7": 5}
    columns = sorted({x[name] for name in names})
    assert len(columns) == 6
    assert all(x[name] == columns[d] for name, d in depth.items())
    assert abs(y["u1"] - y["u2"]) >= 1.0 and abs(y["u4"] - y["u5"]) >= 1.0
    assert y["u1"] > y["u2"], "ties keep the order of 'nodes', top to bottom"
    assert len(graph_artists(ax, "edge")) == len(TANH_EDGES)


def test_computation_graph_arrows_stop_at_the_boxes():
    fig = plots.computation_graph(SIGMOID_NODES, SIGMOID_EDGES)
    fig.canvas.draw()
    ax = fig.axes[0]
    nodes, edges = graph_artists(ax, "node"), graph_artists(ax, "edge")
    for source, target in SIGMOID_EDGES:
        arrow = edges[f"{source}->{target}"].arrow_patch.get_window_extent()
        source_box = nodes[source].get_bbox_patch().get_window_extent()
        target_box = nodes[target].get_bbox_patch().get_window_extent()
        assert source_box.x1 - 0.5 <= arrow.x0 < arrow.x1 <= target_box.x0 + 0.5, (source, target)


def test_computation_graph_highlights_nodes_and_edges():
    path = ["u0", "u1", "u2"]
    fig = plots.computation_graph(SIGMOID_NODES, SIGMOID_EDGES, highlight=path + [("u0", "u1"), ("u1", "u2")],
                                  highlight_label="one path")
    ax = fig.axes[0]
    nodes, edges = graph_artists(ax, "node"), graph_artists(ax, "edge")
    lit = to_hex(plots.PALETTE[5]).upper()
    for name, text in nodes.items():
        colour = to_hex(text.get_bbox_patch().get_edgecolor()).upper()
        assert (colour == lit) == (name in path), name
    for name, arrow in edges.items():
        colour = to_hex(arrow.arrow_patch.get_edgecolor()).upper()
        assert (colour == lit) == (name in {"u0->u1", "u1->u2"}), name
    assert legend_texts(ax.get_legend()) == ["one path"]


def test_computation_graph_inputs_and_outputs_are_tinted():
    ax = plots.computation_graph(SIGMOID_NODES, SIGMOID_EDGES).axes[0]
    fills = {name: to_hex(text.get_bbox_patch().get_facecolor()) for name, text in graph_artists(ax, "node").items()}
    assert fills["u0"] != fills["u2"] != fills["u4"] != fills["u0"]
    assert fills["u1"] == fills["u2"] == fills["u3"]


def test_computation_graph_draws_into_given_axes():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert plots.computation_graph(["a", "b"], [("a", "b")], ax=ax2) is fig
    assert not graph_artists(ax1, "node") and len(graph_artists(ax2, "node")) == 2


@pytest.mark.parametrize("nodes, edges, kwargs, fragments", [
    (SIGMOID_NODES, [("u0", "u1"), ("u1", "u9")], {}, ["('u1', 'u9')", "'u9'", "not in 'nodes'"]),
    (SIGMOID_NODES, SIGMOID_EDGES + [("u3", "u1")], {}, ["cycle", "u1 -> u2 -> u3 -> u1"]),
    (SIGMOID_NODES, [("u2", "u2")], {}, ["cycle", "u2 -> u2"]),
    (SIGMOID_NODES, SIGMOID_EDGES + [("u0", "u1")], {}, ["('u0', 'u1')", "twice"]),
    (SIGMOID_NODES, [("u0",)], {}, ["(source, target) pair", "('u0',)"]),
    ({}, [], {}, ["'nodes' is empty"]),
    (SIGMOID_NODES, SIGMOID_EDGES, {"edge_labels": {("u0", "u2"): "1"}}, ["edge_labels", "('u0', 'u2')"]),
    (SIGMOID_NODES, SIGMOID_EDGES, {"highlight": ["u7"]}, ["highlight", "'u7'"]),
    (SIGMOID_NODES, SIGMOID_EDGES, {"highlight": [("u4", "u0")]}, ["highlight", "('u4', 'u0')"]),
])
def test_computation_graph_rejects_bad_graphs(nodes, edges, kwargs, fragments):
    with pytest.raises(InputError) as info:
        plots.computation_graph(nodes, edges, **kwargs)
    message = str(info.value)
    assert message.startswith("computation_graph: ")
    for fragment in fragments:
        assert fragment in message, message


def test_computation_graph_edge_labels_sit_between_the_boxes():
    """A wide box must not hide the label of its outgoing arrow."""
    nodes = {"s": r"$u_3 = u_1 + {\sum}_{p \neq j}\, u_{2,p}$", "t": "$u_4 = 1/u_3$", "o": "$a$"}
    edges = [("s", "t"), ("t", "o"), ("s", "o")]
    fig = plots.computation_graph(nodes, edges, edge_labels={edge: "$-1/u_3^2$" for edge in edges})
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = {name: text.get_bbox_patch().get_window_extent() for name, text in graph_artists(ax, "node").items()}
    for name, label in graph_artists(ax, "edge_label").items():
        extent = label.get_window_extent()
        source, target = name.split("->")
        assert boxes[source].x1 < extent.x0 < extent.x1 < boxes[target].x0, name
        assert not any(box.overlaps(extent) for box in boxes.values()), name


# ---------------------------------------------------------------------------------------------- text alternatives

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _threshold(t):
    return lambda P: (P[0:1] > t).astype(int)


def _correct(t, X, Y):
    return int(np.sum(_threshold(t)(X) == Y))


X40, Y40 = flower(m=40)
Z_GRID = np.linspace(-6, 6, 121)

#: name -> (draw(v) for the data set v = 0 or 1, the fragments its description must hold for v). Every fragment
#: list names the kind of chart, the series or classes, the axes, and a number computed from the data.
DESCRIBED = {
    "scatter_classes": (
        lambda v: plots.scatter_classes(X40 * (1 + v), Y40, class_names=["inner", "outer"]),
        lambda v: ["Scatter plot", "x_1 (horizontal)", "x_2 (vertical)", "inner: 20 points", "outer: 20 points",
                   f"{X40[0].max() * (1 + v):.4g}", "blue circles", "orange squares"]),
    "decision_boundary": (
        lambda v: plots.decision_boundary(_threshold(v), X40, Y40, resolution=20, class_names=["inner", "outer"]),
        lambda v: ["Decision-boundary plot", "x_1", "x_2", "inner", "outer",
                   f"{_correct(v, X40, Y40)} of 40 ({_correct(v, X40, Y40) / 40:.1%}"]),
    "decision_boundary_grid": (
        lambda v: plots.decision_boundary_grid({f"t = {t}": _threshold(t) for t in (v, v + 1)}, X40, Y40,
                                               resolution=20, suptitle="Thresholds"),
        lambda v: ["2 decision-boundary panels \"Thresholds\"", "x_1", "x_2",
                   f'"t = {v}": {_correct(v, X40, Y40)} of 40', f'"t = {v + 1}": {_correct(v + 1, X40, Y40)} of 40']),
    "loss_curves": (
        lambda v: plots.loss_curves({"lr = 0.1": [0.7, 0.4 - 0.3 * v, 0.2], "lr = 1": [0.7, 0.9, np.nan]}, every=10),
        lambda v: ["Line chart", "cost J (vertical, linear scale)", "iteration (horizontal) from 0 to 20",
                   '"lr = 0.1" (solid blue)', '"lr = 1" (dashed orange)', "0.7 at iteration 0",
                   f"lowest {min(0.2, 0.4 - 0.3 * v):.4g} at iteration {10 if v else 20}",
                   "NaN or inf for iteration at 20"]),
    "curves": (
        lambda v: plots.curves(Z_GRID, {"naive": np.where(Z_GRID > 3 + v, np.nan, np.tanh(Z_GRID)),
                                        "fused": np.tanh(Z_GRID)}, xlabel="logit z", ylabel=r"$\partial J$",
                               log_y=False),
        lambda v: ["Line chart", "∂J (vertical", "logit z (horizontal) from -6 to 6", '"naive"', '"fused"',
                   f"NaN or inf for logit z from {3.1 + v:.4g} to 6", "lowest -1 at logit z = -6"]),
    "activation_plot": (
        lambda v: plots.activation_plot(Z_GRID, *[(np.tanh(Z_GRID), 1 - np.tanh(Z_GRID) ** 2),
                                                  (_sigmoid(Z_GRID), _sigmoid(Z_GRID) * (1 - _sigmoid(Z_GRID)))][v],
                                        name=["tanh", "sigmoid"][v]),
        lambda v: ["Activation plot", ["tanh", "sigmoid"][v], "g(z) (solid blue)", "g'(z) (dashed vermillion)",
                   "z from -6 to 6", f"largest, {[1, 0.25][v]:g}, at z = 0", "Saturated, |g'(z)| < 0.05"]),
    "network_diagram": (
        lambda v: plots.network_diagram([2, 4 + v, 1], activations=["tanh", "sigmoid"]),
        lambda v: ["Network diagram", "input layer of 2 units", f"layer 1 of {4 + v} units, tanh",
                   "layer 2 (output) of 1 unit, sigmoid", f"{2 * (4 + v) + (4 + v)} weights"]),
    "computation_graph": (
        lambda v: plots.computation_graph(SIGMOID_NODES, SIGMOID_EDGES, title="Sigmoid",
                                          edge_labels={("u3", "u4"): "$-1/u_3^2$"},
                                          highlight=[SIGMOID_EDGES[v]], highlight_label="one arrow"),
        lambda v: ['Computation graph "Sigmoid"', "5 nodes", "u_0 = z; u_1 = -u_0; u_2 = exp(u_1)",
                   "Inputs: u_0; outputs: u_4", "u_3 → u_4 (-1/u_3^2)",
                   f'Highlighted in thick vermillion ("one arrow"): arrows u_{v} → u_{v + 1}']),
    "heatmap": (
        lambda v: plots.heatmap(np.array([[1.0, -2.0], [3.0, 4.0 + v]]), title="W", row_labels=["a", "b"],
                                col_labels=["c", "d"], xlabel="input", ylabel="unit"),
        lambda v: ['Heat map "W" of a 2 × 2 matrix', "rows unit (a to b)", "columns input (c to d)", "diverging",
                   f"Largest {4 + v:g} at row b, column d", "smallest -2 at row a, column d",
                   f"the diagonal holds {(5 + v) / (10 + v):.1%}"]),
    "confusion_matrix_plot": (
        lambda v: plots.confusion_matrix_plot(np.array([[8, 2], [1 + v, 9]]), class_names=["cat", "dog"]),
        lambda v: ["Confusion matrix", "true class (rows)", "predicted class (columns)", "2 classes",
                   f"{20 + v} examples", f"17 of {20 + v} ({17 / (20 + v):.1%})",
                   "Most frequent mistake: 2 of 10 examples of class cat predicted as dog"]),
    "grouped_bars": (
        lambda v: plots.grouped_bars({"sigmoid": [0.9, 0.8], "softmax": [0.7, 0.75 - 0.2 * v]},
                                     group_labels=["even", "prime"], fmt=".1%", xlabel="label", ylabel="accuracy"),
        lambda v: ["Grouped bar chart", "accuracy (vertical)", "label (horizontal)", '"sigmoid" (blue, plain)',
                   '"softmax" (orange, hatched /)', f"prime: 80.0%, {0.75 - 0.2 * v:.1%}",
                   f"Largest gap between series: {['even, 20.0', 'prime, 25.0'][v]} percentage points"]),
}


def test_every_public_plotting_function_is_described():
    drawing = {name for name in plots.__all__ if callable(getattr(plots, name)) and name[0].islower()}
    assert drawing - {"describe", "description"} == set(DESCRIBED)


@pytest.mark.parametrize("name", sorted(DESCRIBED))
def test_every_figure_is_described_in_words_from_its_data(name, capsys):
    draw, fragments = DESCRIBED[name]
    texts = []
    for v in (0, 1):
        text = plots.description(draw(v))
        for fragment in fragments(v):
            assert fragment in text, f"{name}: {fragment!r} not in {text!r}"
        assert "np." not in text and "float64" not in text and "array(" not in text, text
        for number in re.findall(r"\d+\.\d+", text):
            assert len(number.replace(".", "").lstrip("0")) <= 4, f"{number} has more than 4 significant digits"
        texts.append(text)
    assert texts[0] != texts[1], f"{name}: the description did not change with the data"
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"Figure: {text}" for text in texts], "the caption printed is the text attached"


def test_describe_accumulates_one_sentence_per_call_and_prints_each(capsys):
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.description(fig) == ""
    assert plots.describe(left, "Left:  a line\nrising") is fig
    plots.loss_curves([3.0, 2.0, 1.0], ax=right, title="Right")
    plots.describe(fig, "Both panels share nothing!")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Figure: Left: a line rising."
    assert lines[1].startswith('Figure, continued: Line chart "Right"') and "lowest 1 at iteration 2" in lines[1]
    assert lines[2] == "Figure, continued: Both panels share nothing!"
    assert plots.description(left) == plots.description(right) == " ".join(line.split(": ", 1)[1] for line in lines)
    with pytest.raises(InputError, match="non-empty string"):
        plots.describe(fig, "  ")
    with pytest.raises(InputError, match="Figure or Axes"):
        plots.describe("fig", "text")


def test_labels_lose_their_mathtext_and_numbers_their_noise():
    from ffnn.figure_text import number, plain
    assert plain(r"$m \cdot \partial J / \partial z$ of one example") == "m · ∂J / ∂z of one example"
    assert plain(r"$J = -\frac{1}{m} \sum_i u_4$") == "J = -1/m Σ_i u_4"
    assert plain("n_h = 4\ntraining 93.5%") == "n_h = 4, training 93.5%"
    assert [number(x) for x in (np.float64(0.693147), 400, -0.0, 1.23456e-5, np.nan, -np.inf)] == \
        ["0.6931", "400", "0", "1.235e-05", "NaN", "-inf"]


class FakeShell:
    """What install_alt_text needs of IPython: a display formatter, with a PNG printer for figures registered the
    way the inline backend registers it (IPython.core.pylabtools.select_figure_formats)."""

    def __init__(self, retina=False):
        from functools import partial

        from IPython.core.formatters import DisplayFormatter
        from IPython.core.pylabtools import print_figure, retina_figure
        self.display_formatter = DisplayFormatter()
        printer = partial(retina_figure, base64=True) if retina else partial(print_figure, fmt="png", base64=True)
        self.display_formatter.formatters["image/png"].for_type(Figure, printer)


@pytest.mark.parametrize("retina", [False, True])
def test_under_ipython_the_png_of_a_described_figure_carries_its_description_as_alt(monkeypatch, retina):
    from ffnn import figure_text
    shell = FakeShell(retina)
    png = shell.display_formatter.formatters["image/png"]
    original = png.lookup_by_type(Figure)
    monkeypatch.setattr(figure_text, "_shell", lambda: shell)
    fig = plots.loss_curves({"a": [1.0, 0.5]})
    assert figure_text.install_alt_text() and figure_text.install_alt_text()
    assert png.lookup_by_type(Figure).__wrapped__ is original, "wrapped once, however often it is called"
    data, metadata = shell.display_formatter.format(fig)
    assert metadata["image/png"]["alt"] == plots.description(fig)
    assert data["image/png"] == original(fig)[0] if retina else original(fig)
    if retina:
        assert {"width", "height"} <= set(metadata["image/png"])
    undescribed, _ = plt.subplots()
    assert "alt" not in shell.display_formatter.format(undescribed)[1].get("image/png", {})


def test_outside_ipython_nothing_is_wrapped(monkeypatch):
    from ffnn import figure_text
    monkeypatch.setattr(figure_text, "_shell", lambda: None)
    assert figure_text.install_alt_text() is False
    code = "import sys, ffnn.plots; print('IPython' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", "importing ffnn.plots must not import IPython"


def test_colour_is_never_the_only_difference_between_series_or_classes():
    """Read in greyscale (or by someone who cannot tell the colours apart), every series, class and highlighted
    part still differs in line style, marker or hatching."""
    ax = plots.loss_curves({f"run {i}": [1.0, 0.5] for i in range(4)}).axes[0]
    assert len({line.get_linestyle() for line in ax.get_lines()}) == 4
    ax = plots.curves(Z_GRID, {f"f{i}": Z_GRID * i for i in range(4)}).axes[0]
    assert len({line.get_linestyle() for line in ax.get_lines()}) == 4
    X, labels = spirals(m_per_class=10, classes=4)
    for fig in (plots.scatter_classes(X, labels), plots.decision_boundary(three_sectors, X, labels, resolution=20)):
        shapes = {scatter.get_paths()[0].vertices.round(6).tobytes() for scatter in scatters(fig.axes[0])}
        assert len(shapes) == len(scatters(fig.axes[0])) >= 3, "every class has its own marker"
    bars = plots.grouped_bars({f"s{i}": [1.0, 2.0] for i in range(3)}, group_labels=["a", "b"]).axes[0].patches
    assert len({bar.get_hatch() or "" for bar in bars}) == 3
    ax = plots.activation_plot(Z_GRID, np.tanh(Z_GRID), 1 - np.tanh(Z_GRID) ** 2, name="tanh").axes[0]
    assert len({line.get_linestyle() for line in ax.get_lines() if line.get_label() in ("g(z)", "g'(z)")}) == 2
