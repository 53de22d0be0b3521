#!/usr/bin/python3
"""Random op graphs evaluated by PyTorch in float64 with autograd: fixtures/graphs/*.json.

Run with Debian's torch:  /usr/bin/python3 scripts/make_graph_fixtures.py
A test (packages/cpu/src/graph-fixtures.test.ts, and the gpu suites) replays every
graph on every backend and compares with these numbers, so each convention below
is checked against PyTorch's own results, not against nn's:
  masks (relu, clamp, abs, maximum, minimum, pow(x, 0), where, maskedFill) give 0,
  not NaN, where the upstream gradient is Inf; maximum/minimum split ties 0.5/0.5;
  NaN propagates through maximum, minimum, relu, clamp and the reductions; where and
  maskedFill with a mask that broadcasts the input larger sum the gradient back;
  pow at 0 and pow(1, NaN); sum/mean/max with dims [] reduce every dim; and (along-dim.json)
  var/std, cumsum, repeat, stack, indexSelect, gather and scatterAdd at their edges.

The graph format is nn's GraphSpec (packages/core/src/testing/graph.ts). JSON has no
NaN, Infinity or -0, so those are written as the strings "NaN", "Infinity",
"-Infinity" and "-0".
"""
import json
import math
import random
import struct
from pathlib import Path

import torch

F64 = torch.float64
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "graphs"

UNARY = ["neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"]
# Unary ops the random graphs here do not draw (adding them to UNARY would change every seeded
# graph), checked by convention graphs at their edge values; nn's own random graphs draw them.
CONVENTION_UNARY = ["sin", "cos"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
CMPS = ["gt", "lt", "ge", "le", "eq"]
EDGE = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e30, -1e30, 1e-30, -1e-30, 1.0, -1.0]
DIMS = [2, 1, 3, 0, 2, 3, 1]
SCALARS = [2.0, 0.5, 0.0, -1.0, 3.0, 1.0, -0.5, 1.5]
EXPONENTS = [2.0, 0.0, 0.5, 3.0, -1.0, 1.0, 1.5, -2.0]
THRESHOLDS = [0.0, 1.0, -1.0, 0.5]
FILLS = [0.0, -1.0, 2.0, math.inf, math.nan]


def f32(v):
    """Round to float32, as the values nn will hold."""
    return struct.unpack("f", struct.pack("f", v))[0]


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        if v == 0 and math.copysign(1, v) < 0:
            return "-0"
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [enc(x) for x in v]
    return v


def size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def broadcasts(a, b):
    for x, y in zip(reversed(a), reversed(b)):
        if x != y and x != 1 and y != 1:
            return False
    return True


def bshape(a, b):
    r = max(len(a), len(b))
    a = [1] * (r - len(a)) + list(a)
    b = [1] * (r - len(b)) + list(b)
    return [y if x == 1 else x for x, y in zip(a, b)]


class Gen:
    """A random graph in nn's GraphSpec format, over the same op vocabulary as graphGen.ts."""

    def __init__(self, rng):
        self.r = rng
        self.leaves = []
        self.nodes = []
        self.shapes = []  # (ref, shape)

    def value(self, kind):
        r = self.r
        if kind == 2 and r.random() < 0.35:
            return r.choice(EDGE)
        if kind == 1:
            return float(r.randint(-2, 2))
        if r.random() < 0.5:
            return r.randint(-512, 512) / 64
        return f32(r.uniform(-5, 5))

    def leaf(self, shape):
        kind = 2 if self.r.random() < 0.25 else self.r.randint(0, 1)
        self.leaves.append({"shape": list(shape), "values": [self.value(kind) for _ in range(size(shape))]})
        ref = {"leaf": len(self.leaves) - 1}
        self.shapes.append((ref, list(shape)))
        return ref

    def partner(self, s):
        r = self.r
        drop = r.randint(0, len(s))
        tail = [1 if r.random() < 1 / 3 else d for d in s[drop:]]
        return [2] + tail if drop == 0 and len(s) < 3 and r.random() < 0.25 else tail

    def other(self, s):
        fits = [ref for ref, sh in self.shapes if broadcasts(sh, s)]
        if self.r.random() < 0.5 or not fits:
            return self.leaf(self.partner(s))
        return self.r.choice(fits)

    def shape_of(self, ref):
        if "scalar" in ref:
            return []
        return next(sh for rf, sh in self.shapes if rf == ref)

    def push(self, node, shape):
        self.nodes.append(node)
        self.shapes.append(({"node": len(self.nodes) - 1}, list(shape)))

    def graph(self):
        r = self.r
        self.leaf([r.choice(DIMS) for _ in range(r.randint(0, 3))])
        count = r.randint(3, 8)
        while len(self.nodes) < count:
            ref, s = self.shapes[-1] if r.random() < 2 / 3 else r.choice(self.shapes)
            kind = r.randint(0, 10)
            if kind == 0:
                self.push({"op": r.choice(UNARY), "x": ref}, s)
            elif kind in (1, 2):
                op = r.choice(BINARY)
                side = r.randint(0, 2)
                sc = {"scalar": r.choice(EXPONENTS if op == "pow" else SCALARS)}
                if side == 0:
                    self.push({"op": op, "a": ref, "b": sc}, s)
                elif side == 1:
                    self.push({"op": op, "a": sc, "b": ref}, s)
                else:
                    b = self.other(s)
                    pair = (b, ref) if r.random() < 0.5 else (ref, b)
                    self.push({"op": op, "a": pair[0], "b": pair[1]}, bshape(s, self.shape_of(b)))
            elif kind == 3:
                m = r.randint(0, 2)
                lo = r.choice(THRESHOLDS)
                hi = lo + r.choice([0, 1, 2])
                node = {"op": "clamp", "x": ref}
                if m != 1:
                    node["min"] = lo
                if m != 0:
                    node["max"] = float(hi)
                self.push(node, s)
            elif kind == 4:
                c = self.leaf([2] + s if len(s) < 3 and r.random() < 0.5 else self.partner(s)) if r.random() < 1 / 3 else ref
                base = bshape(self.shape_of(c), s)
                b = {"scalar": r.choice(SCALARS)} if r.random() < 0.5 else self.other(base)
                shape = bshape(base, self.shape_of(b))
                a, b = (b, ref) if r.random() < 0.5 else (ref, b)
                self.push({"op": "where", "c": c, "cmp": r.choice(CMPS), "threshold": r.choice(THRESHOLDS), "a": a, "b": b}, shape)
            elif kind == 5:
                c = ref if r.random() < 0.5 else self.leaf([2] + s if len(s) < 3 and r.random() < 0.5 else self.partner(s))
                self.push({"op": "maskedFill", "x": ref, "c": c, "cmp": r.choice(CMPS), "threshold": r.choice(THRESHOLDS),
                           "value": r.choice(FILLS)}, bshape(s, self.shape_of(c)))
            elif kind == 6:
                op = r.choice(["sum", "mean", "max"])
                mode = r.randint(0, 3)
                keepdim = r.random() < 0.5
                dim = None
                if mode == 1 and s:
                    dim = [r.randrange(len(s)) - (len(s) if r.random() < 0.5 else 0)]
                elif mode == 2 and s:
                    dim = [d for d in range(len(s)) if r.random() < 0.5]
                elif mode == 3:
                    dim = []
                axes = list(range(len(s))) if not dim else sorted(d % len(s) for d in dim)
                if op == "max" and size(s) == 0:
                    op = "sum"  # PyTorch refuses max over an empty tensor
                if dim is None:
                    self.push({"op": op, "x": ref, "keepdim": False}, [])
                else:
                    shape = [1 if i in axes else d for i, d in enumerate(s)] if keepdim else [d for i, d in enumerate(s) if i not in axes]
                    self.push({"op": op, "x": ref, "dim": dim, "keepdim": keepdim}, shape)
            elif kind == 7:
                n = size(s)
                m = r.randint(0, 3)
                if m == 0:
                    shape, out = [n], [n]
                elif m == 1 and n > 0:
                    shape, out = [-1], [n]
                elif m == 2 and n > 0 and n % 2 == 0:
                    shape, out = [2, -1], [2, n // 2]
                else:
                    shape, out = [1] + s, [1] + s
                self.push({"op": "reshape", "x": ref, "shape": shape}, out)
            elif kind == 8:
                if len(s) <= 2:
                    self.push({"op": "t", "x": ref}, list(reversed(s)))
                elif r.random() < 0.5:
                    dims = list(range(len(s)))
                    r.shuffle(dims)
                    self.push({"op": "permute", "x": ref, "dims": dims}, [s[d] for d in dims])
                else:
                    d0, d1 = r.randrange(len(s)), r.randrange(len(s))
                    out = list(s)
                    out[d0], out[d1] = out[d1], out[d0]
                    self.push({"op": "transpose", "x": ref, "dim0": d0, "dim1": d1}, out)
            elif kind == 9:
                lead = [r.choice([2, 1, 3])] if len(s) < 3 and r.random() < 1 / 3 else []
                target = [r.choice([1, 2, 3, 0]) if d == 1 else (-1 if r.random() < 1 / 3 else d) for d in s]
                self.push({"op": "expand", "x": ref, "shape": lead + target}, lead + [s[i] if d == -1 else d for i, d in enumerate(target)])
            elif len(s) == 2:
                n = r.choice([2, 1, 3, 0])
                op = r.choice(["mm", "matmul"])
                if r.random() < 0.5:
                    b = self.leaf([n, s[0]])
                    self.push({"op": op, "a": b, "b": ref}, [n, s[1]])
                else:
                    b = self.leaf([s[1]] if op == "matmul" and r.random() < 1 / 3 else [s[1], n])
                    self.push({"op": op, "a": ref, "b": b}, [s[0]] if len(self.shape_of(b)) == 1 else [s[0], n])
            elif len(s) == 1:
                n = r.choice([2, 1, 3, 0])
                b = self.leaf([s[0]] if r.random() < 1 / 3 else [s[0], n])
                self.push({"op": "matmul", "a": ref, "b": b}, [] if len(self.shape_of(b)) == 1 else [n])
            else:
                self.push({"op": r.choice(UNARY), "x": ref}, s)
        out = self.shapes[-1][1]
        gkind = 2 if r.random() < 0.25 else 0
        grad = [self.value(gkind) for _ in range(size(out))]
        return {"leaves": self.leaves, "nodes": self.nodes, "grad": grad}


# ------------------------------------------------------------------ evaluation with torch

def scalar(v):
    return torch.tensor(v, dtype=F64)


def evaluate(g):
    leaves = [torch.tensor(l["values"], dtype=F64).reshape(l["shape"]).requires_grad_(True) for l in g["leaves"]]
    nodes = []

    def get(ref):
        if "scalar" in ref:
            return scalar(ref["scalar"])
        return leaves[ref["leaf"]] if "leaf" in ref else nodes[ref["node"]]

    def mask(n):
        c = get(n["c"])
        return getattr(torch, n["cmp"])(c, n["threshold"])

    for n in g["nodes"]:
        op = n["op"]
        if op in UNARY or op in CONVENTION_UNARY:
            y = getattr(torch, op)(get(n["x"]))
        elif op == "pow":
            a, b = n["a"], n["b"]
            # A python-number exponent or base takes PyTorch's scalar pow formulas.
            if "scalar" in b:
                y = torch.pow(get(a), b["scalar"])
            elif "scalar" in a:
                y = torch.pow(a["scalar"], get(b))
            else:
                y = torch.pow(get(a), get(b))
        elif op in BINARY:
            y = getattr(torch, op)(get(n["a"]), get(n["b"]))
        elif op == "clamp":
            y = torch.clamp(get(n["x"]), min=n.get("min"), max=n.get("max"))
        elif op == "where":
            y = torch.where(mask(n), get(n["a"]), get(n["b"]))
        elif op == "maskedFill":
            y = get(n["x"]).masked_fill(mask(n), n["value"])
        elif op in ("sum", "mean", "max", "min"):
            # min replays nn's graphs that use it; the script's own random vocabulary leaves it out,
            # so the seeded graphs stay byte-identical.
            fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}[op]
            x = get(n["x"])
            if "dim" not in n:
                y = fn(x) if op not in ("max", "min") else fn(x, dim=list(range(x.dim())))
            else:
                y = fn(x, dim=n["dim"], keepdim=n["keepdim"])
        elif op == "reshape":
            y = get(n["x"]).reshape(n["shape"])
        elif op == "expand":
            y = get(n["x"]).expand(n["shape"])
        elif op == "permute":
            y = get(n["x"]).permute(n["dims"])
        elif op == "transpose":
            y = get(n["x"]).transpose(n["dim0"], n["dim1"])
        elif op == "t":
            y = get(n["x"]).t()
        elif op == "mm":
            y = torch.mm(get(n["a"]), get(n["b"]))
        elif op == "matmul":
            y = torch.matmul(get(n["a"]), get(n["b"]))
        elif op in ("var", "std"):
            y = getattr(torch, op)(get(n["x"]), n["dim"], correction=n["correction"], keepdim=n["keepdim"])
        elif op == "cumsum":
            y = torch.cumsum(get(n["x"]), n["dim"])
        elif op == "repeat":
            y = get(n["x"]).repeat(n["sizes"])
        elif op == "stack":
            y = torch.stack([get(n["a"]), get(n["b"])], n["dim"])
        elif op == "indexSelect":
            y = torch.index_select(get(n["x"]), n["dim"], torch.tensor(n["index"], dtype=torch.int64))
        elif op in ("gather", "scatterAdd"):
            index = torch.tensor(n["index"], dtype=torch.int64).reshape(n["indexShape"])
            x = get(n["x"])
            y = torch.gather(x, n["dim"], index) if op == "gather" else torch.scatter_add(x, n["dim"], index, get(n["src"]))
        else:
            raise ValueError(op)
        nodes.append(y)
    out = nodes[-1]
    out.backward(torch.tensor(g["grad"], dtype=F64).reshape(out.shape))
    return {
        "shape": list(out.shape),
        "out": [float(v) for v in out.detach().reshape(-1).tolist()],
        "grads": [None if l.grad is None else [float(v) for v in l.grad.reshape(-1).tolist()] for l in leaves],
    }


# ------------------------------------------------------------------ the conventions, spelled out

INF, NAN = math.inf, math.nan


def leaf(shape, values):
    return {"shape": shape, "values": [float(v) for v in values]}


def conventions():
    """Small graphs, one convention each (named), on top of the random ones."""
    x = {"leaf": 0}
    y = {"leaf": 1}
    v = lambda i: {"node": i}  # noqa: E731
    s = lambda k: {"scalar": k}  # noqa: E731
    z = [-1.0, -0.0, 0.0, 2.0, NAN]
    g = [INF, INF, -INF, 1.0, 1.0]
    out = []

    def add(name, leaves, nodes, grad):
        out.append((name, {"leaves": leaves, "nodes": nodes, "grad": [float(t) for t in grad]}))

    for op in ["relu", "abs", "sqrt", "sigmoid"]:
        add(f"{op} at 0, -0 and NaN with an Inf upstream", [leaf([5], z)], [{"op": op, "x": x}], g)
    add("clamp(min=0) at 0 with an Inf upstream, then sqrt", [leaf([5], z)], [{"op": "clamp", "x": x, "min": 0.0}, {"op": "sqrt", "x": v(0)}], g)
    # A tie of -0 and 0 keeps the first operand (PyTorch's `a < b ? b : a`; its vectorized loop, for 8 or
    # more float64 elements, differs, so these stay short); 1/x shows the sign of the zero it gets.
    neg0 = [-0.0, 0.0, -1.0]
    for name, node in [("relu", {"op": "relu", "x": x}), ("clamp(min=0)", {"op": "clamp", "x": x, "min": 0.0}),
                       ("clamp(max=-0)", {"op": "clamp", "x": x, "max": -0.0}), ("maximum(x, 0)", {"op": "maximum", "a": x, "b": s(0.0)}),
                       ("maximum(0, x)", {"op": "maximum", "a": s(0.0), "b": x}), ("minimum(x, -0)", {"op": "minimum", "a": x, "b": s(-0.0)}),
                       ("max over a dim", {"op": "max", "x": x, "dim": [0], "keepdim": True})]:
        add(f"{name} keeps the first of -0 and 0, seen through 1/x", [leaf([3], neg0)], [node, {"op": "div", "a": s(1.0), "b": v(0)}], [1] * (1 if name == "max over a dim" else 3))
    for op in ["maximum", "minimum"]:
        add(f"{op} of -0 and 0 keeps the first operand, seen through 1/x", [leaf([2], [-0.0, 0.0]), leaf([2], [0.0, -0.0])],
            [{"op": op, "a": x, "b": y}, {"op": "div", "a": s(1.0), "b": v(0)}], [1, 1])
    add("clamp(min, max) at both bounds", [leaf([5], [-1.0, -0.5, 0.0, 0.5, NAN])], [{"op": "clamp", "x": x, "min": -0.5, "max": 0.5}], g)
    for op in ["maximum", "minimum"]:
        add(f"{op}: ties split 0.5/0.5, NaN passes to both", [leaf([5], [1, 2, 0, NAN, 3]), leaf([5], [1, 1, 0, 1, NAN])],
            [{"op": op, "a": x, "b": y}], [2, 2, INF, 1, 1])
        add(f"{op} with a scalar at a tie and Inf upstream", [leaf([4], [0, 1, -1, NAN])], [{"op": op, "a": x, "b": s(0.0)}], [INF, 1, INF, 1])
        add(f"{op} broadcast ties sum back", [leaf([2, 1], [1, 2]), leaf([3], [1, 2, 1])], [{"op": op, "a": x, "b": y}], [1, 1, 1, 1, 1, 1])
    for e in [0.0, 2.0, 0.5, -1.0, 1.5]:
        add(f"pow(x, {e}) at 0 and NaN", [leaf([4], [0, -0.0, 2, NAN])], [{"op": "pow", "a": x, "b": s(e)}], [INF, 1, 1, 1])
    for e in [0.5, -0.5, 1.5, -1.5, 3.0, -2.0]:
        add(f"pow(x, {e}) at -Inf and -0 (PyTorch's sqrt and 1/sqrt where pow differs)", [leaf([4], [-INF, -0.0, 0.0, 4])], [{"op": "pow", "a": x, "b": s(e)}], [1, 1, 1, 1])
    add("pow's exponent gradient at base 0 with an Inf upstream is NaN (g times the select)", [leaf([3], [0, 0, 2]), leaf([3], [1, 2, 1])],
        [{"op": "pow", "a": x, "b": y}], [INF, INF, 1])
    add("pow(0, x)'s exponent gradient with an Inf upstream is NaN", [leaf([3], [0, 1, 2])], [{"op": "pow", "a": s(0.0), "b": x}], [INF, INF, 1])
    add("pow(0, x) and pow(2, x)", [leaf([4], [0, 1, -1, NAN])], [{"op": "pow", "a": s(0.0), "b": x}, {"op": "pow", "a": s(2.0), "b": x}, {"op": "add", "a": v(0), "b": v(1)}], [1, 1, 1, 1])
    add("pow(1, NaN), pow(1, Inf), pow(-1, Inf): 1", [leaf([3], [1, 1, -1]), leaf([3], [NAN, INF, INF])], [{"op": "pow", "a": x, "b": y}], [1, 1, 1])
    add("pow(x, y) with y = 0 and x = 0", [leaf([4], [0, 0, 2, -2]), leaf([4], [0, 0.5, 0, 2])], [{"op": "pow", "a": x, "b": y}], [1, 1, INF, 1])
    add("where with a mask that broadcasts the input larger", [leaf([3], [1, -2, 3]), leaf([2, 3], [1, -1, 0, 2, -2, 1])],
        [{"op": "where", "c": y, "cmp": "gt", "threshold": 0.0, "a": x, "b": s(0.0)}], [1, 2, 3, 4, 5, 6])
    add("where: a broadcast other operand and Inf upstream", [leaf([2, 1], [1, -1]), leaf([3], [5, 6, 7])],
        [{"op": "where", "c": x, "cmp": "gt", "threshold": 0.0, "a": x, "b": y}], [INF, 1, 2, 3, -INF, 4])
    add("maskedFill with a mask that broadcasts the input larger", [leaf([3], [1, -2, 3]), leaf([2, 3], [1, -1, 0, 2, -2, 1])],
        [{"op": "maskedFill", "x": x, "c": y, "cmp": "lt", "threshold": 0.0, "value": 0.0}], [1, 2, 3, 4, 5, INF])
    add("maskedFill with NaN and Inf fills", [leaf([4], [1, -2, 3, NAN])],
        [{"op": "maskedFill", "x": x, "c": x, "cmp": "lt", "threshold": 0.0, "value": NAN}, {"op": "maskedFill", "x": v(0), "c": x, "cmp": "gt", "threshold": 2.0, "value": INF}], [1, 1, 1, 1])
    for op in ["sum", "mean", "max"]:
        add(f"{op} with dims [] reduces every dim", [leaf([2, 3], [1, 5, 5, NAN, 0, 2])], [{"op": op, "x": x, "dim": [], "keepdim": False}], [3])
        add(f"{op} with dims [] and keepdim", [leaf([2, 3], [1, 5, 5, 2, 0, 2])], [{"op": op, "x": x, "dim": [], "keepdim": True}], [3])
        add(f"{op} along a dim, NaN in one row", [leaf([2, 3], [1, 5, 5, NAN, 0, 2])], [{"op": op, "x": x, "dim": [1], "keepdim": False}], [1, 1])
    add("max ties split the gradient", [leaf([2, 3], [5, 5, 5, 1, 2, 2])], [{"op": "max", "x": x, "dim": [-1], "keepdim": True}], [3, 4])
    add("a sum with an Inf term is Inf, with Inf and -Inf NaN (no NaN from a compensated sum)", [leaf([2, 4], [1, INF, 2, 3, 1, INF, -INF, 2])],
        [{"op": "sum", "x": x, "dim": [1], "keepdim": False}], [1, 1])
    add("an Inf upstream summed back over an expand stays Inf", [leaf([], [-2])],
        [{"op": "sum", "x": x, "keepdim": False}, {"op": "reshape", "x": v(0), "shape": [1]}, {"op": "add", "a": v(1), "b": x},
         {"op": "expand", "x": v(2), "shape": [2, 1]}], [INF, 0])
    add("sum over an empty dim is 0", [leaf([2, 0], [])], [{"op": "sum", "x": x, "dim": [1], "keepdim": False}, {"op": "exp", "x": v(0)}], [1, 1])
    add("mm with an empty inner dim gives zeros", [leaf([2, 0], []), leaf([0, 3], [])], [{"op": "mm", "a": x, "b": y}], [1] * 6)
    add("mean of an empty tensor is NaN", [leaf([0], [])], [{"op": "mean", "x": x, "keepdim": False}], [1])
    add("NaN in a matmul row", [leaf([2, 2], [1, NAN, 2, 3]), leaf([2, 2], [1, 2, 3, 4])], [{"op": "mm", "a": x, "b": y}], [1, 1, 1, 1])
    add("div by ±0 and the gradient of b", [leaf([4], [1, -1, 0, 2]), leaf([4], [0, -0.0, 0, 1e30])], [{"op": "div", "a": x, "b": y}], [1, 1, 1, 1])
    add("div: the divisor's gradient -g·((a/b)/b) neither overflows at |b| = 1e30 nor is NaN at |b| = 1e-30",
        [leaf([3], [1e30, 0, 1]), leaf([3], [1e30, -1e-30, 1e-30])], [{"op": "div", "a": x, "b": y}], [1, 1, 0])
    add("exp overflow and log of 0 and negatives", [leaf([4], [100, 0, -1, 1e-30])], [{"op": "log", "x": x}, {"op": "exp", "x": x}, {"op": "add", "a": v(0), "b": v(1)}], [1, 1, 1, 1])
    edges = [NAN, INF, -INF, -0.0, 0.0, 1e-30, 3.0, 1e4, -65536.0]
    for op in CONVENTION_UNARY:
        add(f"{op} at NaN, ±Inf, ±0, tiny and large arguments, and its gradient", [leaf([9], edges)], [{"op": op, "x": x}], [1.0] * 9)
    add("sin keeps the sign of zero, seen through 1/x", [leaf([3], [-0.0, 0.0, 1e-30])], [{"op": "sin", "x": x}, {"op": "div", "a": s(1.0), "b": v(0)}], [1, 1, 1])
    add("expand of a size-1 dim to 0", [leaf([1, 2], [1, 2])], [{"op": "expand", "x": x, "shape": [0, 2]}, {"op": "sum", "x": v(0), "dim": [0], "keepdim": False}], [1, 1])
    return out


def along_dim():
    """var/std, cumsum, repeat, stack, indexSelect, gather and scatterAdd at their edges (nn's random graphs draw them)."""
    x = {"leaf": 0}
    y = {"leaf": 1}
    v = lambda i: {"node": i}  # noqa: E731
    out = []

    def add(name, leaves, nodes, grad):
        out.append((name, {"leaves": leaves, "nodes": nodes, "grad": [float(t) for t in grad]}))

    rows = [1, 2, 4, 3, 3, 3, 1, NAN, 2, 1, INF, 0]
    for op in ["var", "std"]:
        for c in [0, 1]:
            for keep in [False, True]:
                add(f"{op} along dim 1, correction {c}, keepdim {keep}: a constant row, NaN and Inf rows", [leaf([4, 3], rows)],
                    [{"op": op, "x": x, "dim": 1, "correction": c, "keepdim": keep}], [1.0, -2.0, 3.0, 0.5])
        add(f"{op} along dim -2 of size 1 with correction 1 divides by 0", [leaf([1, 3], [1, 2, 3])], [{"op": op, "x": x, "dim": -2, "correction": 1, "keepdim": False}], [1, 1, 1])
        add(f"{op} along an empty dim", [leaf([2, 0], [])], [{"op": op, "x": x, "dim": 1, "correction": 0, "keepdim": True}], [1, 1])
        add(f"{op} of a 1-D tensor, then exp", [leaf([5], [0.5, -1, 2, 2, 7])], [{"op": op, "x": x, "dim": 0, "correction": 1, "keepdim": False}, {"op": "exp", "x": v(0)}], [2.0])
    add("cumsum along dims 0 and -1 with Inf and NaN", [leaf([2, 3], [1, INF, 2, -INF, NAN, 3])],
        [{"op": "cumsum", "x": x, "dim": -1}, {"op": "cumsum", "x": v(0), "dim": 0}], [1, 2, 3, 4, INF, 6])
    add("cumsum of a 0-d tensor", [leaf([], [3])], [{"op": "cumsum", "x": x, "dim": 0}], [2])
    add("repeat with a new leading dim and a zero", [leaf([2, 1], [1, -2])], [{"op": "repeat", "x": x, "sizes": [2, 1, 3]}], list(range(12)))
    add("repeat by 0", [leaf([2], [1, 2])], [{"op": "repeat", "x": x, "sizes": [0]}], [])
    add("repeat of a 0-d tensor", [leaf([], [5])], [{"op": "repeat", "x": x, "sizes": [3]}], [1, 2, 3])
    add("stack of a tensor with itself along dim -1", [leaf([2, 2], [1, 2, 3, 4])], [{"op": "stack", "a": x, "b": x, "dim": -1}], list(range(8)))
    add("stack of two along dim 1", [leaf([2, 3], [1, 2, 3, 4, 5, 6]), leaf([2, 3], [0, -1, NAN, 2, 3, 4])], [{"op": "stack", "a": x, "b": y, "dim": 1}], list(range(12)))
    add("indexSelect with repeats sums the gradient", [leaf([3, 2], [1, 2, 3, 4, 5, 6])], [{"op": "indexSelect", "x": x, "dim": 0, "index": [2, 0, 2, 2]}], [1, 2, 3, 4, 5, INF, 7, 8])
    add("indexSelect along dim -1, empty index", [leaf([2, 3], [1, 2, 3, 4, 5, 6])], [{"op": "indexSelect", "x": x, "dim": -1, "index": []}], [])
    add("gather with repeats and a smaller index", [leaf([2, 3], [1, 2, 3, 4, 5, 6])],
        [{"op": "gather", "x": x, "dim": 1, "index": [0, 0, 2, 1], "indexShape": [1, 4]}], [1, 2, INF, 4])
    add("gather along dim 0 of a 3-D tensor", [leaf([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
        [{"op": "gather", "x": x, "dim": 0, "index": [1, 0, 1, 1, 0, 0], "indexShape": [3, 1, 2]}], [1, 2, 3, 4, 5, 6])
    add("scatterAdd with repeats, Inf and NaN", [leaf([2, 3], [1, 2, 3, 4, 5, 6]), leaf([2, 2], [10, INF, NAN, -1])],
        [{"op": "scatterAdd", "x": x, "dim": 1, "index": [0, 0, 2, 1], "indexShape": [2, 2], "src": y}], [1, 2, 3, 4, 5, 6])
    add("scatterAdd along dim -2, then gather back", [leaf([3, 2], [0, 0, 0, 0, 0, 0]), leaf([2, 2], [1, 2, 3, 4])],
        [{"op": "scatterAdd", "x": x, "dim": -2, "index": [2, 2, 0, 2], "indexShape": [2, 2], "src": y},
         {"op": "gather", "x": v(0), "dim": 0, "index": [2, 1], "indexShape": [1, 2]}], [5, 7])
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_default_dtype(F64)
    groups = {"conventions": [], "along-dim": [], "random-a": [], "random-b": []}
    for name, g in conventions():
        groups["conventions"].append({"name": name, "graph": g, "expected": evaluate(g)})
    for name, g in along_dim():
        groups["along-dim"].append({"name": name, "graph": g, "expected": evaluate(g)})
    for part, seeds in (("random-a", range(0, 150)), ("random-b", range(150, 300))):
        for seed in seeds:
            g = Gen(random.Random(seed)).graph()
            try:
                expected = evaluate(g)
            except RuntimeError as e:  # a graph PyTorch refuses: report, never silently drop
                raise SystemExit(f"seed {seed}: PyTorch refused the graph: {e}\n{json.dumps(enc(g))}")
            groups[part].append({"name": f"random seed {seed}", "graph": g, "expected": expected})
    total = 0
    for part, items in groups.items():
        text = json.dumps({"torch": torch.__version__, "dtype": "float64", "graphs": enc(items)}, separators=(",", ":"))
        (OUT / f"{part}.json").write_text(text + "\n")
        total += len(text)
        print(f"{part}: {len(items)} graphs, {len(text) // 1024} KiB")
    print(f"fixtures/graphs: {sum(len(v) for v in groups.values())} graphs, {total // 1024} KiB")


if __name__ == "__main__":
    main()
