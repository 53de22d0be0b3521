# PyTorch's results for nn's shape and indexing ops at their edges (negative dims and
# bounds, clamped slices, empty dims, repeated gather/scatter indices, src larger than the
# index), with the gradients of a weighted sum of each result, for the conformance case
# 'indexing: … as PyTorch (table from torch)' in packages/core/src/testing/indexing.cases.ts.
# Run with Debian's python (/usr/bin/python3), which has torch:
#   /usr/bin/python3 scripts/make_indexing.py > packages/core/src/testing/indexing.generated.ts
import math
import torch


def val(v):
    v = float(v)
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return repr(v) if v != int(v) or abs(v) > 2**53 else str(int(v)) if not (v == 0 and math.copysign(1, v) < 0) else '-0'


def arr(t):
    return '[' + ', '.join(val(v) for v in t.detach().reshape(-1).tolist()) + ']'


def shape(t):
    return '[' + ', '.join(str(n) for n in t.shape) + ']'


def js(v):
    # The op's arguments as TypeScript: numbers, None as null, lists.
    if v is None:
        return 'null'
    if isinstance(v, (list, tuple)):
        return '[' + ', '.join(js(x) for x in v) + ']'
    return str(v)


def data(shape_, seed):
    # Distinct, exactly representable values with a NaN-free sign mix.
    n = 1
    for s in shape_:
        n *= s
    return torch.tensor([((i * 7 + seed * 3) % 11) - 5 + 0.25 * (i % 4) for i in range(n)], dtype=torch.float32).reshape(shape_)


entries = []


def case(label, op, args, shapes, fn, constant=()):
    """`fn(*inputs)` is the torch call; each result (or list of results) is weighted by 1, 2, 3… and summed.
    Inputs listed in `constant` take no gradient (their grads are written as null)."""
    inputs = [data(s, k + 1).requires_grad_(k not in constant) for k, s in enumerate(shapes)]
    out = fn(*inputs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    loss = sum((o * torch.arange(1, o.numel() + 1, dtype=torch.float32).reshape(o.shape)).sum() for o in outs)
    if loss.requires_grad:
        loss.backward()
    grads = ['null' if k in constant else arr(x.grad) if x.grad is not None else arr(torch.zeros_like(x)) for k, x in enumerate(inputs)]
    entries.append(
        '  {\n'
        f'    label: {label!r},\n'
        f"    op: '{op}',\n"
        f'    args: {js(args)},\n'
        f'    inputs: [{", ".join(shape(x) for x in inputs)}],\n'
        f'    outputs: [{", ".join("{ shape: " + shape(o) + ", data: " + arr(o) + " }" for o in outs)}],\n'
        f'    grads: [{", ".join(grads)}],\n'
        '  }'
    )


L = lambda v: torch.tensor(v, dtype=torch.int64)

case('narrow with a negative start', 'narrow', [1, -3, 2], [[3, 4]], lambda x: x.narrow(1, -3, 2))
case('narrow to nothing', 'narrow', [0, 1, 0], [[3, 4]], lambda x: x.narrow(0, 1, 0))
case('slice with a step', 'slice', [1, 1, None, 2], [[4, 6]], lambda x: x[:, 1::2])
case('slice with a negative end', 'slice', [0, None, -2, 1], [[4, 3]], lambda x: x[:-2])
case('slice bounds clamped past both ends', 'slice', [1, -100, 100, 1], [[2, 3]], lambda x: x[:, -100:100])
case('slice empty when start passes end', 'slice', [1, 5, 2, 1], [[2, 6]], lambda x: x[:, 5:2])
case('slice of dim -1 with step 4', 'slice', [-1, None, None, 4], [[2, 3, 6]], lambda x: x[..., ::4])
case('squeeze all', 'squeeze', [None], [[1, 3, 1]], lambda x: x.squeeze())
case('squeeze a dim that is not 1 changes nothing', 'squeeze', [1], [[1, 3, 1]], lambda x: x.squeeze(1))
case('squeeze -1', 'squeeze', [-1], [[1, 3, 1]], lambda x: x.squeeze(-1))
case('unsqueeze -1', 'unsqueeze', [-1], [[2, 3]], lambda x: x.unsqueeze(-1))
case('unsqueeze 1', 'unsqueeze', [1], [[2, 3]], lambda x: x.unsqueeze(1))
case('flatten from dim 1', 'flatten', [1, -1], [[2, 3, 4]], lambda x: x.flatten(1))
case('flatten dims 0..1', 'flatten', [0, 1], [[2, 3, 4]], lambda x: x.flatten(0, 1))
case('flip dim 0', 'flip', [[0]], [[3, 2]], lambda x: x.flip(0))
case('flip dims 0 and -1', 'flip', [[0, -1]], [[2, 3, 2]], lambda x: x.flip(0, -1))
case('repeat with a new leading dim', 'repeat', [[2, 1, 3]], [[2, 2]], lambda x: x.repeat(2, 1, 3))
case('repeat zero times', 'repeat', [[0, 2]], [[3]], lambda x: x.repeat(0, 2))
case('cat along dim 0', 'cat', [0], [[2, 3], [1, 3]], lambda a, b: torch.cat([a, b], 0))
case('cat along dim -1 of three', 'cat', [-1], [[2, 1], [2, 2], [2, 3]], lambda a, b, c: torch.cat([a, b, c], -1))
case('cat with an empty tensor', 'cat', [0], [[0, 3], [2, 3]], lambda a, b: torch.cat([a, b], 0))
case('stack along dim 1', 'stack', [1], [[2, 3], [2, 3]], lambda a, b: torch.stack([a, b], 1))
case('stack along dim -1', 'stack', [-1], [[3], [3], [3]], lambda a, b, c: torch.stack([a, b, c], -1))
case('split by size (last piece smaller)', 'split', [2, 1], [[2, 5]], lambda x: x.split(2, 1))
case('split by sections', 'split', [[1, 0, 3], 0], [[4, 2]], lambda x: x.split([1, 0, 3], 0))
case('chunk into 3 of 5', 'chunk', [3, 0], [[5]], lambda x: x.chunk(3, 0))
case('chunk into more pieces than elements', 'chunk', [4, -1], [[2, 2]], lambda x: x.chunk(4, -1))
case('indexSelect with a repeated index', 'indexSelect', [0, [2, 0, 2]], [[3, 2]], lambda x: x.index_select(0, L([2, 0, 2])))
case('indexSelect along dim -1', 'indexSelect', [-1, [1]], [[2, 3]], lambda x: x.index_select(-1, L([1])))
case('indexSelect of nothing', 'indexSelect', [1, []], [[2, 3]], lambda x: x.index_select(1, L([]).long()))
case('gather with repeated indices', 'gather', [1, [[0, 0], [1, 0]]], [[2, 3]], lambda x: x.gather(1, L([[0, 0], [1, 0]])))
case('gather along dim 0, index smaller than x', 'gather', [0, [[2, 1]]], [[3, 3]], lambda x: x.gather(0, L([[2, 1]])))
case('gather with an empty index', 'gather', [0, [[]]], [[2, 3]], lambda x: x.gather(0, L([[]]).long()))
case('scatterAdd accumulating repeats', 'scatterAdd', [0, [[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]], [[3, 5], [2, 5]],
     lambda x, s: x.scatter_add(0, L([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]), s))
# torch's backward refuses a src larger than the index ("invalid gradient ... got [2, 2] but expected
# shape compatible with [2, 4]"); nn pads src's gradient with zeros there, so only x's is from torch.
case('scatterAdd with src larger than the index', 'scatterAdd', [1, [[1, 1], [0, 2]]], [[3, 3], [2, 4]],
     lambda x, s: x.scatter_add(1, L([[1, 1], [0, 2]]), s), constant=(1,))
case('scatterAdd along dim -1 with one index per row', 'scatterAdd', [-1, [[3], [3]]], [[2, 4], [2, 1]],
     lambda x, s: x.scatter_add(-1, L([[3], [3]]), s))

print(f'// Generated by scripts/make_indexing.py with PyTorch {torch.__version__} (float32); do not edit.')
print()
print('/** One shape or indexing op at an edge: its inputs (made by `indexingInput`), its results and the gradients of sum(result · (1, 2, 3…)). */')
print('export interface IndexingFixture {')
print('  readonly label: string;')
print('  readonly op: string;')
print('  readonly args: readonly unknown[];')
print('  readonly inputs: readonly (readonly number[])[];')
print('  readonly outputs: readonly { readonly shape: readonly number[]; readonly data: readonly number[] }[];')
print('  readonly grads: readonly (readonly number[] | null)[];')
print('}')
print()
print('/** The values of input k (0-based) of a fixture: ((i·7 + (k+1)·3) mod 11) − 5 + 0.25·(i mod 4), as the script makes them. */')
print('export function indexingInput(k: number, size: number): number[] {')
print('  return Array.from({ length: size }, (_, i) => ((i * 7 + (k + 1) * 3) % 11) - 5 + 0.25 * (i % 4));')
print('}')
print()
print('/** torch\'s results for each case. */')
print('export const INDEXING_FIXTURES: readonly IndexingFixture[] = [')
print(',\n'.join(entries) + ',')
print('];')
