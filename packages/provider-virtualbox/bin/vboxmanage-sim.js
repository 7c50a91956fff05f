#!/usr/bin/env node
// VBoxManage simulator: behaves like VBoxManage, with its state in $VBOXSIM_HOME (see src/simulator).
import '../dist/simulator/cli.js';
