"""convert(): a model's nn.Conv2d modules replaced by clconv layers, with
what follows each folded or fused into it where the model's structure says
so: inside an nn.Sequential (Conv2d, BatchNorm2d, activation), and in the
torchvision blocks listed in _BLOCKS, whose forward is known (their residual
add). Everything else runs as before, in PyTorch."""

import copy
import sys

import torch
from torch import nn

from ..core import Context
from ._activations import epilogue_of
from ._layer import Conv2d
from ._tensors import TensorIO


def _conv_reason(conv):
    """Why an nn.Conv2d stays in PyTorch, or None."""
    if type(conv).forward is not nn.Conv2d.forward:
        return f"{type(conv).__name__} overrides nn.Conv2d's forward"
    if isinstance(conv.weight, nn.parameter.UninitializedParameter):
        return "lazy module not initialised yet (run the model once before convert)"
    if conv.padding_mode != "zeros":
        return f"padding_mode={conv.padding_mode!r} (clconv pads with zeros)"
    if conv.weight.dtype != torch.float32:
        return f"dtype {conv.weight.dtype} (clconv runs float32)"
    if conv.weight.device.type != "cpu":
        return f"weights on {conv.weight.device} (clconv takes CPU tensors)"
    if conv.training:
        return "training mode (convert runs inference: call model.eval() first)"
    return None


def _foldable(bn, conv):
    """A BatchNorm2d in eval mode with running statistics, over conv's outputs."""
    return (type(bn) is nn.BatchNorm2d and not bn.training and bn.running_mean is not None
            and bn.num_features == conv.out_channels)


def _folded(conv, bn, alpha, shift):
    """conv's weight and bias with bn folded in, in float64: bn(conv(x)) =
    conv(x, w * s) + (b - mean) * s + beta, s = gamma / sqrt(var + eps); the
    bias then carries an activation's shift (act(alpha * y + shift) =
    act(alpha * conv + alpha * b + shift))."""
    w = conv.weight.detach().double()
    b = conv.bias.detach().double() if conv.bias is not None else None
    if bn is not None:
        s = bn.running_var.detach().double().add(bn.eps).rsqrt()
        if bn.weight is not None:
            s = s * bn.weight.detach().double()
        shift_bn = -bn.running_mean.detach().double() * s
        if bn.bias is not None:
            shift_bn = shift_bn + bn.bias.detach().double()
        w = w * s.view(-1, 1, 1, 1)
        b = shift_bn if b is None else b * s + shift_bn
    if b is not None and alpha != 1.0:
        b = b * alpha
    if shift:
        b = (b if b is not None else torch.zeros(w.shape[0], dtype=torch.float64)) + shift
    return w.float(), None if b is None else b.float()


class _Converter:
    def __init__(self, ctx, algo, fuse, plan_options):
        self.ctx, self.algo, self.fuse, self.plan_options = ctx, algo, fuse, plan_options
        self.io = TensorIO(ctx)
        self.report = []

    def make(self, conv, name, bn=None, act=None):
        """The clconv layer for conv, with bn (name, module) folded and act
        (name, module) fused."""
        activation, alpha, shift = epilogue_of(act[1]) if act else (None, 1.0, 0.0)
        w, b = _folded(conv, bn[1] if bn else None, alpha, shift)
        fused = [f"{n} ({type(m).__name__})" for n, m in filter(None, (bn, act))]
        layer = Conv2d(self.ctx, self.io, conv, w, b, activation, alpha, self.algo,
                       self.plan_options, name, fused).eval()
        self.report.append({"name": name, "runs": "clconv", "fused": layer.fused, "reason": None})
        return layer

    def keep(self, conv, name, reason):
        self.report.append({"name": name, "runs": "pytorch", "fused": [], "reason": reason})
        return conv

    def convertible(self, conv, *bns):
        return (isinstance(conv, nn.Conv2d) and _conv_reason(conv) is None
                and all(_foldable(bn, conv) for bn in bns))

    def replace(self, module, name, nested=False):
        """What stands for module (the module itself, its children replaced;
        a Sequential as a _Chain unless nested in one that will be)."""
        if isinstance(module, nn.Conv2d):
            reason = _conv_reason(module)
            return self.keep(module, name, reason) if reason else self.make(module, name)
        handler = _BLOCKS.get(type(module)) if self.fuse else None
        if handler:
            new = handler(self, module, name)
            if new is not None:
                return new
        if self.fuse and _plain_sequential(module):
            self.fuse_sequence(module, name)
            return module if nested else _chain(module)
        self.visit(module, name)
        return module

    def visit(self, module, prefix):
        for key, child in list(module._modules.items()):
            if child is not None:
                module._modules[key] = self.replace(child, f"{prefix}.{key}" if prefix else key)

    def fuse_sequence(self, seq, prefix):
        """Conv2d [BatchNorm2d] [activation] runs in a Sequential become one
        layer; the modules it took become nn.Identity (the indexes stay)."""
        keys = [k for k, m in seq._modules.items() if m is not None]
        mods = [seq._modules[k] for k in keys]
        names = [f"{prefix}.{k}" if prefix else k for k in keys]
        i = 0
        while i < len(keys):
            conv, j = mods[i], i + 1
            if not self.convertible(conv):
                seq._modules[keys[i]] = self.replace(conv, names[i], nested=True)
                i += 1
                continue
            bn = act = None
            if j < len(mods) and _foldable(mods[j], conv):
                bn, j = (names[j], mods[j]), j + 1
            if j < len(mods) and epilogue_of(mods[j]):
                act, j = (names[j], mods[j]), j + 1
            seq._modules[keys[i]] = self.make(conv, names[i], bn, act)
            for k in range(i + 1, j):
                seq._modules[keys[k]] = nn.Identity()
            i = j


def _plain_sequential(module):
    """An nn.Sequential (or a subclass such as Conv2dNormActivation) that
    runs its children in order: not one with its own forward."""
    return isinstance(module, nn.Sequential) and type(module).forward is nn.Sequential.forward


def _flatten(module):
    """The modules a plain Sequential runs, nested plain Sequentials
    expanded and nn.Identity left out; [module] for anything else."""
    if _plain_sequential(module):
        return [m for child in module for m in _flatten(child)]
    return [] if isinstance(module, nn.Identity) else [module]


class _Chain(nn.Module):
    """Modules run in order, where consecutive clconv layers are enqueued
    back to back and the host waits once for the run (Batch). residual: the
    last step, a clconv layer, adds shortcut(x) (x without a shortcut) in
    its epilogue, as a ResNet block or an inverted residual does."""

    def __init__(self, steps, residual=False, shortcut=None):
        super().__init__()
        self.steps = nn.ModuleList(steps)
        self.residual, self.shortcut = residual, shortcut
        flat = _flatten(shortcut) if shortcut is not None else []
        # a list: the layer is registered once, inside shortcut
        self._shortcut_layer = [flat[0] if len(flat) == 1 and isinstance(flat[0], Conv2d)
                                else None]

    def _one_by_one(self, x):
        z = None
        if self.residual:
            z = self.shortcut(x) if self.shortcut is not None else x
        out, last = x, len(self.steps) - 1
        for i, step in enumerate(self.steps):
            out = step(out, z) if i == last and z is not None else step(out)
        return out

    def forward(self, x):
        first = next(s for s in self.steps if isinstance(s, Conv2d))
        if not first._io.shares_host_memory or first.pytorch_reason(x):
            return self._one_by_one(x)
        shortcut_layer = self._shortcut_layer[0]
        z = None
        if self.residual and self.shortcut is None:
            z = x
        elif self.residual and shortcut_layer is None:
            z = self.shortcut(x)
        out, last, batch, pending = x, len(self.steps) - 1, None, None
        try:
            for i, step in enumerate(self.steps):
                takes_z = i == last and self.residual
                if isinstance(step, Conv2d) and not step.pytorch_reason(out):
                    if batch is None:
                        batch = first._io.batch().__enter__()
                    if takes_z and z is None:
                        z = shortcut_layer.launch(batch, x)
                    out = step.launch(batch, out, z if takes_z else None)
                    pending = step
                    continue
                if batch is not None:  # PyTorch's step reads what the batch wrote
                    pending.finish(batch, out)
                    batch.__exit__(None, None, None)
                    batch = None
                if takes_z and z is None:
                    z = self.shortcut(x)
                out = step(out, z) if takes_z else step(out)
            if batch is not None:
                pending.finish(batch, out)
        except BaseException as e:
            if batch is not None:
                batch.__exit__(type(e), e, None)
                batch = None
            raise
        if batch is not None:
            batch.__exit__(None, None, None)
        return out


class _SqueezeExcitation(nn.Module):
    """torchvision's SqueezeExcitation: x * scale_act(fc2(act(fc1(pool(x))))),
    with both activations in the 1x1 convolutions."""

    def __init__(self, avgpool, fc1, fc2):
        super().__init__()
        self.avgpool, self.fc1, self.fc2 = avgpool, fc1, fc2

    def forward(self, x):
        return self.fc2(self.fc1(self.avgpool(x))) * x


def _chain(module):
    """module as a _Chain when it is a plain Sequential holding a clconv
    layer, else module."""
    steps = _flatten(module)
    if steps == [module] or not any(isinstance(s, Conv2d) for s in steps):
        return module
    return _Chain(steps)


def _resnet_block(cv, block, name):
    stages = [("conv1", "bn1"), ("conv2", "bn2")] + \
        ([("conv3", "bn3")] if hasattr(block, "conv3") else [])
    convs = [(getattr(block, c), getattr(block, b)) for c, b in stages]
    if type(block.relu) is not nn.ReLU or not all(cv.convertible(c, b) for c, b in convs):
        return None
    downsample = None if block.downsample is None else \
        cv.replace(block.downsample, f"{name}.downsample", nested=True)
    layers = [cv.make(c, f"{name}.{cn}", (f"{name}.{bn}", b), (f"{name}.relu", block.relu))
              for (c, b), (cn, bn) in zip(convs, stages)]
    layers[-1].takes_residual = True
    layers[-1].fused.insert(1, f"{name}'s residual add")
    return _Chain(layers, residual=True, shortcut=downsample)


def _resnet_stem(cv, net, name):
    """torchvision's ResNet: conv1, bn1 and relu run once each, in order, at
    the stem; the rest is its blocks."""
    if type(net.relu) is nn.ReLU and cv.convertible(net.conv1, net.bn1):
        prefix = f"{name}." if name else ""
        net.conv1 = cv.make(net.conv1, f"{prefix}conv1", (f"{prefix}bn1", net.bn1),
                            (f"{prefix}relu", net.relu))
        net.bn1, net.relu = nn.Identity(), nn.Identity()
    cv.visit(net, name)
    return net


def _basic_conv(cv, block, name):
    """googlenet's and inception's BasicConv2d: conv, bn, then F.relu."""
    if not cv.convertible(block.conv, block.bn):
        return None
    return cv.make(block.conv, f"{name}.conv", (f"{name}.bn", block.bn),
                   (f"{name}'s F.relu", nn.ReLU()))


def _residual_body(attr):
    """A block whose forward is body(x) (+ x when use_res_connect), with
    torchvision's stochastic depth (the identity in eval mode) before the add."""

    def handler(cv, block, name):
        body = getattr(block, attr)
        depth = getattr(block, "stochastic_depth", None)
        if depth is not None and depth.training:
            return None
        body = cv.replace(body, f"{name}.{attr}", nested=True)
        steps = _flatten(body)
        last = steps[-1] if steps else None
        if not (block.use_res_connect and isinstance(last, Conv2d) and last.activation is None):
            setattr(block, attr, _chain(body))
            return block
        last.takes_residual = True
        last.fused.append(f"{name}'s residual add")
        return _Chain(steps, residual=True)

    return handler


def _squeeze_excitation(cv, se, name):
    if not (cv.convertible(se.fc1) and cv.convertible(se.fc2) and epilogue_of(se.activation)
            and epilogue_of(se.scale_activation)):
        return None
    return _SqueezeExcitation(
        se.avgpool, cv.make(se.fc1, f"{name}.fc1", None, (f"{name}.activation", se.activation)),
        cv.make(se.fc2, f"{name}.fc2", None, (f"{name}.scale_activation", se.scale_activation)))


def _torchvision_blocks():
    """torchvision's block classes by the handler that fuses them (none
    without torchvision)."""
    try:
        import torchvision  # noqa: F401  (loads the modules below)
    except ImportError:
        return {}
    m = lambda name: sys.modules[f"torchvision.{name}"]  # noqa: E731 (models shadow modules)
    resnet, v2, v3 = m("models.resnet"), m("models.mobilenetv2"), m("models.mobilenetv3")
    eff, misc = m("models.efficientnet"), m("ops.misc")
    return {resnet.ResNet: _resnet_stem,
            resnet.BasicBlock: _resnet_block, resnet.Bottleneck: _resnet_block,
            m("models.googlenet").BasicConv2d: _basic_conv,
            m("models.inception").BasicConv2d: _basic_conv,
            v2.InvertedResidual: _residual_body("conv"),
            v3.InvertedResidual: _residual_body("block"),
            eff.MBConv: _residual_body("block"), eff.FusedMBConv: _residual_body("block"),
            misc.SqueezeExcitation: _squeeze_excitation}


_BLOCKS = _torchvision_blocks()


def convert(model, device=None, algo="auto", fuse=True, inplace=False, **plan_options):
    """A model whose nn.Conv2d modules run through clconv on `device` (a
    clconv.Context, a name such as "pocl", (platform, device) indexes, or
    None: $CLCONV_DEVICE, else the first device). algo: one of clconv.ALGOS
    or "auto"; plan_options: Context.plan's (auto_mode, tune, ...).

    fuse=True folds an eval-mode BatchNorm2d into the convolution before it
    and runs a following activation (ReLU, ReLU6, SiLU, Hardswish,
    Hardsigmoid, Sigmoid, Tanh, LeakyReLU, Hardtanh, GELU's tanh form) and a
    torchvision block's residual add in the convolution's epilogue.

    The model is copied unless inplace=True. The result's `clconv_layers`
    lists every convolution: where it runs ("clconv" or "pytorch"), what
    was fused into it and, for one left in PyTorch, why."""
    ctx = device if isinstance(device, Context) else Context(device)
    out = model if inplace else copy.deepcopy(model)
    cv = _Converter(ctx, algo, fuse, plan_options)
    out = cv.replace(out, "")
    out.clconv_layers = cv.report
    return out
