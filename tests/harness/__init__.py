"""What the suite and the benchmarks in bench/ both use: gunicorn on a free port, a corpus
whose articles carry their versions, and the soak and crash runs (bench/ has their long
versions' command lines)."""
