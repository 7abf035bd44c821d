// Compiles the contracts listed below with the solc npm package and writes, next to each source,
// <Name>.abi.json and, for deployable contracts, <Name>.bin (creation bytecode, hex). Run through
// build.sh, which pins the compiler version.
const fs = require('fs');
const path = require('path');
const solc = require('solc');

// [source file, contract name, deployable]
const targets = [
  ['Counter.sol', 'Counter', true],
  ['IBitcoin.sol', 'IBitcoin', false],
  ['BitcoinProbe.sol', 'BitcoinProbe', true],
  ['BtcSwap.sol', 'BtcSwap', true],
  ['TestToken.sol', 'TestToken', true],
  ['TestToken.sol', 'PausableTestToken', true],
];

const sources = {};
for (const [file] of targets) {
  sources[file] = { content: fs.readFileSync(path.join(__dirname, file), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'prague',
    // No metadata hash, so the bytecode depends only on the source and the compiler.
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
// Imports resolve against this directory only.
function findImports(p) {
  const file = path.join(__dirname, path.basename(p));
  if (!fs.existsSync(file)) return { error: `import not found: ${p}` };
  return { contents: fs.readFileSync(file, 'utf8') };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const written = [];
for (const [file, name, deployable] of targets) {
  const c = output.contracts[file][name];
  fs.writeFileSync(path.join(__dirname, `${name}.abi.json`), JSON.stringify(c.abi, null, 2) + '\n');
  written.push(`${name}.abi.json`);
  if (deployable) {
    fs.writeFileSync(path.join(__dirname, `${name}.bin`), c.evm.bytecode.object + '\n');
    written.push(`${name}.bin (${c.evm.bytecode.object.length / 2} bytes)`);
  }
}
console.log(`solc ${solc.version()}: ${written.join(', ')}`);
