import { describeDocOutput } from '../../../tests/doc-output.js';

// packages/data/README.md is documentation people copy: every ```ts block runs here as written
// ('@nn/*' resolve to the workspace sources), and each `// →` comment must be what the
// console.log calls printed (arrays and objects as JSON, strings as they are).
describeDocOutput('packages/data/README.md', 'packages/data/test/.readme-tmp', 3);
