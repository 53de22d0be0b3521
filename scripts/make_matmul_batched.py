#!/usr/bin/python3
"""Write PyTorch's batched matmul and bmm, forward and gradients, as a TypeScript table.

Output: packages/core/src/testing/matmul-batched.generated.ts, read by the conformance
case 'matmul: batched products and their gradients match PyTorch', which every backend runs.

Each case is torch.matmul(a, b) (or torch.bmm, or a with its last two dims swapped first,
`a.mT`), then loss = (out * g).sum() with a fixed upstream gradient g, and the
gradients of a and b. Most inputs are multiples of 1/8 in [-2, 2]: every product and
partial sum is then exact in float32, so any summation order gives PyTorch's bits and the
test can ask for equality (a wrong index shows at once). One case per rounding path
draws general float32 values (torch.randn) and is compared within a tolerance; one puts
Inf and NaN in one batch entry (only the outputs that read it may be non-finite).

Usage: /usr/bin/python3 scripts/make_matmul_batched.py   (from the repository root)
"""
import math
import os

import numpy
import torch

OUT = 'packages/core/src/testing/matmul-batched.generated.ts'


def eighths(shape, seed):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randint(-16, 17, shape, generator=gen) / 8).to(torch.float32)


def normal(shape, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=torch.float32)


# name, op ('matmul' | 'bmm' | 'matmulMT': matmul(a.mT, b)), a's shape, b's shape, exact inputs?
CASES = [
    ('broadcast on both sides [2,1,3,4]·[5,4,6]', 'matmul', [2, 1, 3, 4], [5, 4, 6], True),
    ('batch times a matrix (folded) [2,3,4]·[4,5]', 'matmul', [2, 3, 4], [4, 5], True),
    ('a matrix times a batch [3,4]·[2,4,5]', 'matmul', [3, 4], [2, 4, 5], True),
    ('a vector times a batch [3]·[2,3,4]', 'matmul', [3], [2, 3, 4], True),
    ('a batch times a vector [2,3,4]·[4]', 'matmul', [2, 3, 4], [4], True),
    ('a vector times a 4-D batch [4]·[2,1,4,3]', 'matmul', [4], [2, 1, 4, 3], True),
    ('dot product [5]·[5]', 'matmul', [5], [5], True),
    ('matrix times vector [3,4]·[4]', 'matmul', [3, 4], [4], True),
    ('vector times matrix [4]·[4,2]', 'matmul', [4], [4, 2], True),
    ('equal batches, 4-D [2,3,2,4]·[2,3,4,2]', 'matmul', [2, 3, 2, 4], [2, 3, 4, 2], True),
    ('batch of 1 broadcast against 3 [1,2,3]·[3,3,2]', 'matmul', [1, 2, 3], [3, 3, 2], True),
    ('bmm [3,2,4]·[3,4,5]', 'bmm', [3, 2, 4], [3, 4, 5], True),
    ('a transposed view inside a batch: [2,4,3].mT·[2,4,5]', 'matmulMT', [2, 4, 3], [2, 4, 5], True),
    ('a transposed view broadcast: [1,5,3].mT·[4,5,2]', 'matmulMT', [1, 5, 3], [4, 5, 2], True),
    ('gemm-sized entries [2,1,16,32]·[3,32,8]', 'matmul', [2, 1, 16, 32], [3, 32, 8], True),
    ('gemm-sized entries, transposed [2,32,16].mT·[32,8]', 'matmulMT', [2, 32, 16], [32, 8], True),
    ('empty batch [0,3,4]·[4,5]', 'matmul', [0, 3, 4], [4, 5], True),
    ('empty batch, broadcast [2,0,3,4]·[1,4,2]', 'matmul', [2, 0, 3, 4], [1, 4, 2], True),
    ('empty rows [2,0,4]·[2,4,3]', 'bmm', [2, 0, 4], [2, 4, 3], True),
    ('empty inner size: zeros [2,3,0]·[2,0,4]', 'bmm', [2, 3, 0], [2, 0, 4], True),
    ('general floats [4,1,7,13]·[3,13,5]', 'matmul', [4, 1, 7, 13], [3, 13, 5], False),
    ('general floats, gemm-sized [2,16,33]·[2,33,9]', 'bmm', [2, 16, 33], [2, 33, 9], False),
]


def lit(v):
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if v == 0:
        return '-0' if math.copysign(1, v) < 0 else '0'
    # The shortest decimal that reads back as the same float32 (tests round it with Math.fround).
    return str(int(v)) if v == int(v) else str(numpy.float32(v))


def flat(t):
    return '[' + ', '.join(lit(float(v)) for v in t.detach().reshape(-1).tolist()) + ']'


def run(op, a, b):
    if op == 'bmm':
        return torch.bmm(a, b)
    if op == 'matmulMT':
        return torch.matmul(a.mT, b)
    return torch.matmul(a, b)


def entry(name, op, sa, sb, a, b, exact):
    a = a.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    out = run(op, a, b)
    g = eighths(list(out.shape), 7) if exact else normal(list(out.shape), 7)
    (out * g).sum().backward()
    return (
        f'  {{ name: {name!r}, op: {op!r}, exact: {"true" if exact else "false"},\n'
        f'    a: {{ shape: {sa}, data: {flat(a)} }},\n'
        f'    b: {{ shape: {sb}, data: {flat(b)} }},\n'
        f'    out: {{ shape: {list(out.shape)}, data: {flat(out)} }},\n'
        f'    g: {flat(g)},\n'
        f'    gradA: {flat(a.grad)},\n'
        f'    gradB: {flat(b.grad)} }},'
    )


def main():
    rows = []
    for i, (name, op, sa, sb, exact) in enumerate(CASES):
        make = eighths if exact else normal
        rows.append(entry(name, op, sa, sb, make(sa, 100 + 2 * i), make(sb, 101 + 2 * i), exact))
    # Inf and NaN in the first batch entry of a only: the second entry's outputs stay finite,
    # and broadcasting b must not carry the first entry's NaN anywhere else.
    a = eighths([2, 2, 3], 90)
    a[0, 0, 1] = float('inf')
    a[0, 1, 2] = float('nan')
    b = eighths([1, 3, 2], 91)
    b[0, 1, 0] = 0.0  # Inf·0 = NaN in column 0; Inf·0.5 = Inf in column 1
    b[0, 1, 1] = 0.5
    name = "Inf and NaN in one batch entry [2,2,3]·[1,3,2] (no gradient: it would be NaN)"
    a_ = a.clone()
    out = torch.matmul(a_, b)
    rows.append(
        f'  {{ name: {name!r}, op: \'matmul\', exact: true,\n'
        f'    a: {{ shape: [2, 2, 3], data: {flat(a)} }},\n'
        f'    b: {{ shape: [1, 3, 2], data: {flat(b)} }},\n'
        f'    out: {{ shape: {list(out.shape)}, data: {flat(out)} }} }},'
    )
    text = '\n'.join([
        f'// Generated by scripts/make_matmul_batched.py with PyTorch {torch.__version__} (float32); do not edit.',
        '',
        '/** A tensor of the table: its shape and row-major values. */',
        'export interface MatmulFixtureTensor { readonly shape: readonly number[]; readonly data: readonly number[] }',
        '',
        '/**',
        ' * One product: `op` is torch.matmul, torch.bmm or matmul(a.mT, b); `out` is its value; `gradA`/`gradB` are',
        ' * the gradients of (out * g).sum(). `exact`: every input is a multiple of 1/8, so the results are exact.',
        ' */',
        'export interface MatmulFixture {',
        '  readonly name: string;',
        "  readonly op: 'matmul' | 'bmm' | 'matmulMT';",
        '  readonly exact: boolean;',
        '  readonly a: MatmulFixtureTensor;',
        '  readonly b: MatmulFixtureTensor;',
        '  readonly out: MatmulFixtureTensor;',
        '  readonly g?: readonly number[];',
        '  readonly gradA?: readonly number[];',
        '  readonly gradB?: readonly number[];',
        '}',
        '',
        '/** torch.matmul / torch.bmm of N-d operands and their gradients. */',
        'export const MATMUL_BATCHED: readonly MatmulFixture[] = [',
        *rows,
        '];',
        '',
    ])
    with open(OUT, 'w') as f:
        f.write(text)
    print(f'wrote {OUT}: {len(rows)} cases')


if __name__ == '__main__':
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    main()
