"""rag: offline question answering over news articles, every sentence cited.

Stages, one module each, data flowing one way: loading -> chunking -> embedding -> store
(+ keyword) -> retrieval -> answering -> citing; `pipeline.Pipeline` ties them together and
`cli` is the command line. The app (`ui`) and the benchmarks (`eval`) build on this package.
"""
