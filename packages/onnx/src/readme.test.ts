import { describeDocOutput } from '../../../tests/doc-output.js';

// packages/onnx/README.md is documentation people copy: every ```ts block runs here as written ('@nn/*'
// resolve to the workspace sources) and prints what its `// →` comments say. Its temporary files go
// under node_modules, which git ignores, so no .gitignore entry is needed.
describeDocOutput('packages/onnx/README.md', 'packages/onnx/node_modules/.readme-tmp', 1);
