#!/usr/bin/env node
// The obs-alerts command: obs-alerts export --out monitoring/ [--config alerts.config.mjs]
import process from 'node:process';
import { runCli } from '@obs/alerts/cli';

process.exitCode = await runCli(process.argv.slice(2));
