"""Why torch.compile is slower than eager on the CNN training step: PyTorch's own tools, in order.

    python -m bench.explain_cnn [--threads 1]

1. torch._dynamo.explain on the forward-and-loss function: graphs, graph breaks, operators.
2. The same with TORCH_LOGS=graph_breaks,recompiles set by the caller, if wanted.
3. torch.profiler over ten forward+backward passes, eager and compiled (Inductor, with
   torch._inductor.config.cpp.enable_kernel_profile so each generated kernel is named), the
   most expensive entries of each. Takes a minute or two: Inductor compiles first.
"""

import argparse

import torch

from bench import torch_workloads as T
from bench import workloads as W


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.explain_cnn", description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=8)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    import torch._inductor.config as inductor_config
    from torch.profiler import ProfilerActivity, profile

    inductor_config.cpp.enable_kernel_profile = True
    case = W.Case("cnn_train", dict(W.FULL.cases["cnn_train"]))
    eager = T.build(case, "eager", W.make_weights(case), W.make_inputs(case))
    explained = torch._dynamo.explain(eager._forward_loss)(eager.x, eager.y)
    print(
        f"explain: {explained.graph_count} graph(s), {explained.graph_break_count} graph break(s), "
        f"{explained.op_count} operators; break reasons: {explained.break_reasons or 'none'}"
    )
    for mode in ("eager", "torch_compile"):
        runnable = T.build(case, mode, W.make_weights(case), W.make_inputs(case))
        for _ in range(3):  # compile and warm up
            runnable.forward_loss(runnable.x, runnable.y).backward()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(10):
                runnable.forward_loss(runnable.x, runnable.y).backward()
        print(f"\n{mode}: the most expensive entries of 10 forward+backward passes")
        print(
            prof.key_averages().table(
                sort_by="self_cpu_time_total", row_limit=args.rows, max_name_column_width=80
            )
        )


if __name__ == "__main__":
    main()
