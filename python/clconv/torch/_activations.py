"""The PyTorch activation modules convert fuses into a convolution's
epilogue, as clconv's activation, and that activation in PyTorch (what a
layer runs when it falls back). Exactly equal functions only: GELU's erf
form, for one, is not clconv's tanh form and stays in PyTorch."""

import torch
import torch.nn.functional as F
from torch import nn

# clconv's activation name -> the same function in PyTorch, with its parameters
TORCH_FUNCTIONS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "silu": F.silu,
    "hardswish": F.hardswish,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "leaky_relu": F.leaky_relu,
    "clamp": torch.clamp,
    "gelu": lambda y: F.gelu(y, approximate="tanh"),
}


def epilogue_of(module):
    """(activation, alpha, shift) that compute `module` after a convolution
    as clconv's act(alpha * conv + (bias * alpha + shift)), or None when the
    module is none of them. Hardsigmoid is clamp(y / 6 + 1/2, 0, 1)."""
    t = type(module)
    simple = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.SiLU: "silu", nn.Hardswish: "hardswish",
              nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
    if t in simple:
        return simple[t], 1.0, 0.0
    if t is nn.LeakyReLU:
        return ("leaky_relu", float(module.negative_slope)), 1.0, 0.0
    if t is nn.Hardtanh:
        return ("clamp", float(module.min_val), float(module.max_val)), 1.0, 0.0
    if t is nn.Hardsigmoid:
        return ("clamp", 0.0, 1.0), 1.0 / 6.0, 0.5
    if t is nn.GELU and module.approximate == "tanh":
        return "gelu", 1.0, 0.0
    return None


def torch_function(activation):
    """The PyTorch function of a clconv activation (a name or a name and its
    parameters), or None for none."""
    if activation is None:
        return None
    name, params = (activation, ()) if isinstance(activation, str) else \
        (activation[0], tuple(activation[1:]))
    fn = TORCH_FUNCTIONS[name]
    return (lambda y: fn(y, *params)) if params else fn
