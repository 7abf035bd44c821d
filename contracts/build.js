// Compiles Counter.sol with the solc npm package and writes Counter.bin (creation bytecode, hex)
// and Counter.abi.json next to it. Run through build.sh, which pins the compiler version.
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const source = fs.readFileSync(path.join(__dirname, 'Counter.sol'), 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'Counter.sol': { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'prague',
    // No metadata hash, so the bytecode depends only on the source and the compiler.
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const counter = output.contracts['Counter.sol'].Counter;
fs.writeFileSync(path.join(__dirname, 'Counter.bin'), counter.evm.bytecode.object + '\n');
fs.writeFileSync(path.join(__dirname, 'Counter.abi.json'), JSON.stringify(counter.abi, null, 2) + '\n');
console.log(`solc ${solc.version()}: Counter.bin (${counter.evm.bytecode.object.length / 2} bytes), Counter.abi.json`);
