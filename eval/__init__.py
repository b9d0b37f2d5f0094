"""Eval sets, benchmark runners (`rag bench`) and the scripts behind BENCHMARKS.md."""
