#!/usr/bin/env bash
# The shoal binary on another --io-engine, for running the whole pytest
# suite a second time (scripts/run-tests.sh): SHOAL_BIN points here,
# SHOAL_REAL_BIN at the binary, SHOAL_IO_ENGINE names the engine. exec keeps
# the pid, so tests that signal or wait for the server see shoal itself.
exec "${SHOAL_REAL_BIN:?}" "$@" --io-engine "${SHOAL_IO_ENGINE:-epoll}"
