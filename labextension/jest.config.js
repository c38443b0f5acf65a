/**
 * Jest for the labextension's logic (api.ts, model.ts, ...): JupyterLab's own preset
 * (jsdom with Node's fetch/Request/Headers/Response, ts-jest for TypeScript, babel-jest for
 * the ES-module-only packages under node_modules).
 */
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

const baseConfig = jestJupyterLab(__dirname);

// The preset transforms only some ES-module packages; the sidebar's components also load
// @jupyterlab/apputils and ui-components, which ship ES modules only.
const esModules = [
  '@codemirror',
  '@microsoft',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyter/ydoc',
  '@jupyterlab/',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = {
  ...baseConfig,
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`],
  automock: false,
  testRegex: 'src/__tests__/.*\\.spec\\.tsx?$',
  // Only what the tests load is measured, and only printed: no coverage/ or junit.xml files
  // are written into the working tree.
  coverageReporters: ['text'],
  coveragePathIgnorePatterns: ['/node_modules/', '/src/__tests__/'],
  reporters: ['default']
};
