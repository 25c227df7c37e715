/** davy-sim's OPC UA server in-process (tests, benchmarks); apart from the package's index, since it loads node-opcua. */
export { startOpcuaSimulator, defaultOpcuaTickMs, type OpcuaSimulator, type OpcuaSimulatorOptions } from './simulator.js';
export { parseFault, faultSyntax, type Fault } from './faults.js';
