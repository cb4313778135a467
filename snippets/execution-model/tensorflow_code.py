"""Execution model in TensorFlow 2.21: eager by default, graphs on request."""

# --8<-- [start:setup]
import tensorflow as tf

tf.random.set_seed(0)
x = tf.constant([1.0, 2.0, 3.0])
# --8<-- [end:setup]

# --8<-- [start:eager_by_default]
# No session, no graph building: each operation runs as soon as it is called.
print(tf.executing_eagerly())
#> True
y = x * 2 + 1
print(y.numpy())
#> [3. 5. 7.]
# A Python `if` on a tensor's value just works in eager mode.
if tf.reduce_sum(y) > 10:
    print("sum is", float(tf.reduce_sum(y)))
    #> sum is 15.0
# --8<-- [end:eager_by_default]


# --8<-- [start:compile_a_function]
def scaled_softplus(v):
    return tf.math.softplus(v) * 3.0


graph_fn = tf.function(scaled_softplus)  # traced into a graph on first call
eager_result = scaled_softplus(x)
compiled_result = graph_fn(x)
print(type(graph_fn).__name__)
#> Function
print(compiled_result.numpy())
#> [3.939785  6.380784  9.1457615]
print(bool(tf.reduce_all(eager_result == compiled_result)))
#> True
# --8<-- [end:compile_a_function]


# --8<-- [start:python_side_effects]
calls = tf.Variable(0)


@tf.function
def double(v):
    print("Python print runs while tracing:", v)
    calls.assign_add(1)  # a TensorFlow op: it runs on every call
    return v * 2


for _ in range(3):
    double(x)
    #> Python print runs while tracing: Tensor("v:0", shape=(3,), dtype=float32)
print("Python print ran once; the graph ran", int(calls.numpy()), "times")
#> Python print ran once; the graph ran 3 times
# --8<-- [end:python_side_effects]


# --8<-- [start:retracing]
@tf.function
def add_one(v):
    return v + 1


add_one(tf.constant([1.0, 2.0]))
add_one(tf.constant([3.0, 4.0]))  # same shape and dtype: graph reused
add_one(tf.constant([1.0, 2.0, 3.0]))  # new shape: traced again
add_one(2)  # a Python int is part of the trace key: traced again
add_one(3)  # ... and again, for every new Python value
print("traces:", add_one.experimental_get_tracing_count())
#> traces: 4

# An input signature with an unknown dimension keeps it to one trace.
add_one_any_length = tf.function(
    lambda v: v + 1, input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)]
)
for n in (2, 3, 4):
    add_one_any_length(tf.ones([n]))
print("traces:", add_one_any_length.experimental_get_tracing_count())
#> traces: 1

# reduce_retracing=True: after a new shape, trace once more with that dimension left unknown.
add_one_relaxed = tf.function(lambda v: v + 1, reduce_retracing=True)
for n in (2, 3, 4, 5):
    add_one_relaxed(tf.ones([n]))
print("traces:", add_one_relaxed.experimental_get_tracing_count())
#> traces: 2
signatures = add_one_relaxed.pretty_printed_concrete_signatures().splitlines()
print([line.split("shape=")[1].split(", dtype")[0] for line in signatures if "POSITIONAL" in line])
#> ['(2,)', '(None,)']


# A Python number is a constant of the trace: pass a tensor to keep one graph.
@tf.function
def add_n(v, n):
    return v + n


for n in (1, 2, 3, 4):
    add_n(tf.ones([2]), tf.constant(n, tf.float32))
print("traces:", add_n.experimental_get_tracing_count())
#> traces: 1
# --8<-- [end:retracing]

# --8<-- [start:inspect_the_graph]
concrete = graph_fn.get_concrete_function(tf.TensorSpec(shape=[3], dtype=tf.float32))
print([op.type for op in concrete.graph.get_operations()])
#> ['Placeholder', 'Softplus', 'Const', 'Mul', 'Identity']
graph_result = concrete(x)
print(graph_result.numpy())
#> [3.939785  6.380784  9.1457615]
# --8<-- [end:inspect_the_graph]


# --8<-- [start:data_dependent_control_flow]
@tf.function
def clip_positive_sum(v):
    if tf.reduce_sum(v) > 0:  # AutoGraph turns this `if` into tf.cond
        return v
    return -v


print(clip_positive_sum(x).numpy(), clip_positive_sum(-x).numpy())
#> [1. 2. 3.] [1. 2. 3.]
op_types = {
    op.type
    for op in clip_positive_sum.get_concrete_function(x).graph.get_operations()
}
print("If" in op_types or "StatelessIf" in op_types)
#> True
# --8<-- [end:data_dependent_control_flow]

# --8<-- [start:compiler]
xla_fn = tf.function(scaled_softplus, jit_compile=True)  # compiled by XLA
compiler_result = xla_fn(x)
print(compiler_result.numpy())
#> [3.939785  6.380784  9.1457615]
hlo = xla_fn.experimental_get_compiler_ir(x)(stage="hlo")  # XLA's own program text
print(hlo.splitlines()[0].split(", ", 1)[1])
#> entry_computation_layout={(f32[3]{0})->f32[3]{0}}
# --8<-- [end:compiler]
