"""Benchmark harness: times the same workloads in TensorFlow and PyTorch, one process each.

Run it with `make bench` (or `python -m bench --help`). It writes docs/data/benchmarks.json and
the SVG charts in docs/assets/benchmarks/; hooks/benchmark_tables.py renders the page from the
same file.

Modules:
    hooks/benchmark_results  (outside this package, so that the site builds without it) the
                   results schema, the comparisons, the bootstrap intervals and the one verdict
                   function that the runner, the charts and the page all use
    workloads      what is measured, framework-neutral: sizes, weights, inputs, tolerances
    tf_workloads   the TensorFlow / Keras 3 implementation of each workload and mode
    torch_workloads the PyTorch implementation of each workload and mode
    worker         the process one framework runs in, driven over a pipe; records the machine's
                   other load and steal time around every repetition
    limit          NumPy's matmul at the frameworks' size (the measured reference line)
    machine        CPU model, cores, the theoretical float32 peak, versions, BLAS configuration
    runner         correctness checks, interleaved timing, cold starts; writes the data file
    charts         SVG charts drawn from the data file
    explain_cnn    why torch.compile is slower on the CNN step, with PyTorch's own tools
"""
