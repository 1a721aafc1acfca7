"""mlp: the seed's neural-network API (Dense, Sigmoid, MSE, NeuralNetwork...) on autograd_lite.

Nothing here is differentiated by hand: layers and losses compose autograd_lite's operations and
training calls ``backward()``. The seed's hand-derived backprop lives apart, in ``mlp.manual``,
for comparison.
"""

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from .layers import Dense
from .loss import BCE, MSE, BinaryCrossEntropy, CrossEntropy, Loss
from .module import Module, Parameter
from .network import Evaluation, NeuralNetwork, TrainingDiverged
from .optimizers import SGD, Adam, Optimizer, RMSProp

__all__ = [
    "Module", "Parameter", "Dense", "Sigmoid", "ReLU", "Tanh", "Softmax",
    "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten",
    "Loss", "MSE", "BCE", "BinaryCrossEntropy", "CrossEntropy",
    "NeuralNetwork", "TrainingDiverged", "Evaluation", "Optimizer", "SGD", "RMSProp", "Adam",
]
