"""Check every model in fixtures/exported/ with ONNX's own checker (full_check: schema, types and shape
inference), so the files exportOnnx writes are valid ONNX by the reference implementation, not only by
ONNX Runtime. Prints one line per file; its output is committed as fixtures/exported/check-output.txt
(src/export.test.ts asserts each committed model is listed there as ok and is what exportOnnx writes today).

    NN_WRITE_ONNX_FIXTURES=1 npx vitest run --project node packages/onnx/src/export.test.ts
    /usr/bin/python3 packages/onnx/scripts/check-models.py > packages/onnx/fixtures/exported/check-output.txt
"""
import pathlib
import sys

import onnx

HERE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "exported"


def main() -> int:
    failed = 0
    print(f"# onnx {onnx.__version__}: onnx.checker.check_model(model, full_check=True)")
    for path in sorted(HERE.glob("*.onnx")):
        model = onnx.load(str(path))
        try:
            onnx.checker.check_model(model, full_check=True)
            status = "ok"
        except Exception as e:  # the checker raises ValidationError or InferenceError; report either
            status = f"FAILED {type(e).__name__}: {str(e).splitlines()[0]}"
            failed += 1
        opset = model.opset_import[0].version
        ops = " ".join(n.op_type for n in model.graph.node)
        inits = ",".join(t.name for t in model.graph.initializer) or "-"
        print(f"{path.name} {status} (ir {model.ir_version}, opset {opset}; nodes: {ops}; initializers: {inits})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
