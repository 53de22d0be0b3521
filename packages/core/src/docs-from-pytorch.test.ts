import { describeDocOutput } from '../../../tests/doc-output.js';

// docs/from-pytorch.md is documentation people copy: every ```ts block runs here as written
// ('@nn/core' resolves to the workspace sources), and each `// →` comment must be what the
// console.log before it printed (arrays and objects as JSON, strings as they are).
describeDocOutput('docs/from-pytorch.md', 'packages/core/test/.docs-tmp', 4);
