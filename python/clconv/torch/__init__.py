"""PyTorch models through clconv: convert() replaces a model's nn.Conv2d
modules by clconv layers (BatchNorm folded, activations and residual adds
fused where the model's structure allows), profile() runs it beside
PyTorch's own and says per layer where the time goes.

    import clconv.torch
    fast = clconv.torch.convert(model.eval(), device="pocl")
    with torch.no_grad():
        y = fast(x)
    print(clconv.torch.profile(model.eval(), x, device="pocl"))

Needs PyTorch (Debian's python3-torch); the torchvision blocks it fuses
need python3-torchvision. See docs/python.md."""

from ._convert import convert
from ._layer import Conv2d
from ._profile import Profile, profile

__all__ = ["Conv2d", "Profile", "convert", "profile"]
