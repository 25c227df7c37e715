#!/usr/bin/env node
// Runs the built CLI (pnpm build). From source: node --conditions=source --import tsx edge-agent/src/cli/main.ts
import "../dist/cli/main.js";
