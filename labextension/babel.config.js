// babel-jest turns the ES-module-only JavaScript of some dependencies into CommonJS for jest.
module.exports = require('@jupyterlab/testing/lib/babel-config');
