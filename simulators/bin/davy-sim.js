#!/usr/bin/env node
// Runs the built CLI (pnpm build). From source: node --conditions=source --import tsx simulators/src/cli/main.ts
import "../dist/cli/main.js";
