"""viz: drawings of autograd_lite's computation graphs and the seed's training plots.

>>> import viz
>>> viz.draw_graph(o)                           # graphviz.Digraph, inline in Jupyter
>>> viz.render(o, "neuron", format="svg")       # "neuron.svg", no system Graphviz needed
>>> viz.backward_tour(o, "tour/")               # one frame per backward step
>>> viz.plots.plot_loss(history, path="loss.png")
"""

from . import network, plots
from .classifier import confusion_matrix, plot_confusion_matrix, plot_learning_curves, plot_misclassified
from .cnn import feature_maps, plot_feature_maps, plot_filters
from .graph import GraphDrawing, GraphTooLarge, draw_graph, render
from .modules import record_modules
from .plots import (
    TrainingRecorder,
    plot_decision_boundary,
    plot_hidden_activations,
    plot_loss,
    plot_weight_dynamics,
)
from .program import draw_program
from .renderer import RendererNotFound, find_renderer
from .tour import backward_tour

__all__ = [
    "draw_graph", "draw_program", "render", "backward_tour", "record_modules", "GraphDrawing", "GraphTooLarge",
    "RendererNotFound", "find_renderer",
    "network", "plots", "plot_loss", "plot_decision_boundary", "plot_hidden_activations", "plot_weight_dynamics",
    "TrainingRecorder", "plot_filters", "plot_feature_maps", "feature_maps", "plot_confusion_matrix",
    "confusion_matrix", "plot_misclassified", "plot_learning_curves",
]
