"""Custom gradients, stopping gradients, forward mode, vmap, views and DLPack in PyTorch 2.13."""

# --8<-- [start:setup]
import numpy as np
import torch

torch.manual_seed(0)
np.set_printoptions(suppress=True)  # fixed-point output, no 1e-03 notation
points = [-5.0, 0.0, 5.0, 100.0]  # 100 overflows exp() in float32
# --8<-- [end:setup]


# --8<-- [start:custom_gradients]
def softplus_naive(x):
    # log(1 + e^x), switching to x where e^x would overflow: the forward value is fine ...
    return torch.where(x < 20.0, torch.log1p(torch.exp(x)), x)


x = torch.tensor(points, requires_grad=True)
print(softplus_naive(x).detach().numpy().round(4))
#> [  0.0067   0.6931   5.0067 100.    ]
naive_gradient = torch.autograd.grad(softplus_naive(x).sum(), x)[0]
print(naive_gradient.numpy().round(4))  # ... but 0 * inf from the branch not taken is nan
#> [0.0067 0.5    0.9933    nan]


class Softplus(torch.autograd.Function):
    generate_vmap_rule = True  # lets torch.func.vmap batch it (forward is made of torch ops)

    @staticmethod
    def forward(x):
        return torch.where(x < 20.0, torch.log1p(torch.exp(x)), x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)  # d/dx log(1 + e^x), stable everywhere


custom_value = Softplus.apply(x)
custom_gradient = torch.autograd.grad(custom_value.sum(), x)[0]
print(custom_value.detach().numpy().round(4), custom_gradient.numpy().round(4))
#> [  0.0067   0.6931   5.0067 100.    ] [0.0067 0.5    0.9933 1.    ]
# gradcheck compares backward() with finite differences, in float64
in_float64 = torch.tensor(points[:3], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(Softplus.apply, in_float64))
#> True
# forward() without ctx plus setup_context() is the form the torch.func transforms accept
print(torch.func.vmap(torch.func.grad(Softplus.apply))(x.detach()).numpy().round(4))
#> [0.0067 0.5    0.9933 1.    ]
# --8<-- [end:custom_gradients]

# --8<-- [start:stopping_gradients]
x = torch.tensor(points[:3], requires_grad=True)
y = x * x.detach()  # detach(): the second factor is a constant to autograd
stopped_gradient = torch.autograd.grad(y.sum(), x)[0]
print(stopped_gradient.numpy())  # x, not 2x
#> [-5.  0.  5.]

detached = x.detach()  # no copy: same memory, same version counter, requires_grad False
print(detached.requires_grad, detached.data_ptr() == x.data_ptr(), x._version)
#> False True 0
detached.zero_()  # an in-place change through the detached tensor ...
print(x.detach().numpy(), x._version)  # ... changes x and bumps its version counter
#> [0. 0. 0.] 1

with torch.no_grad():  # nothing inside is recorded, but tensors stay normal tensors
    doubled = x * 2
    x.add_(1.0)  # the usual way to update weights by hand; still counted as a version
print(doubled.requires_grad, x.requires_grad, x._version)
#> False True 2

with torch.inference_mode():  # no_grad, plus no version counters or view tracking
    inferred = torch.ones(3) * 2
print(inferred.requires_grad, inferred.is_inference())
#> False True
try:
    print(inferred._version)
except RuntimeError as err:
    print("RuntimeError:", err)
    #> RuntimeError: Inference tensors do not track version counter.
try:
    (x * inferred).sum()  # mul would save the inference tensor for backward
except RuntimeError as err:
    print("RuntimeError:", str(err).split(".")[0])
    #> RuntimeError: Inference tensors cannot be saved for backward
print((x * inferred.clone()).requires_grad)  # a clone is a normal tensor
#> True
# --8<-- [end:stopping_gradients]


# --8<-- [start:forward_mode]
def f(v):
    return v**3 * torch.sin(v)


primal = torch.tensor([0.5, 1.0, 1.5, 2.0])
tangent = torch.tensor([1.0, 0.0, -1.0, 2.0])  # the direction to differentiate along
value_and_jvp = torch.func.jvp(f, (primal,), (tangent,))  # one forward pass, no backward
jvp = value_and_jvp[1]  # (f(primal), J @ tangent)
print(jvp.numpy().round(4))
#> [ 0.4693  0.     -6.9718 15.1648]
# The same product from reverse mode: the full Jacobian (diagonal here) times the tangent
print(torch.allclose(torch.func.jacrev(f)(primal) @ tangent, jvp))
#> True
# --8<-- [end:forward_mode]


# --8<-- [start:vectorisation]
def row_norm(row):  # written for one vector
    return torch.sqrt((row**2).sum())


batch = torch.arange(12, dtype=torch.float32).reshape(4, 3)
row_norms = torch.func.vmap(row_norm)(batch)  # mapped over the first axis, in one batched call
print(row_norms.numpy().round(4))
#> [ 2.2361  7.0711 12.2066 17.3781]

# Per-sample gradients of a linear model's squared error, the same data and weights in both tabs
rng = np.random.default_rng(0)
inputs = torch.from_numpy(rng.standard_normal((5, 3), dtype=np.float32))
targets = torch.from_numpy(rng.standard_normal(5, dtype=np.float32))
model = torch.nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.from_numpy(rng.standard_normal((3, 1), dtype=np.float32)).T)
    model.bias.fill_(0.5)
params = {name: p.detach() for name, p in model.named_parameters()}


def sample_loss(params, sample, target):
    prediction = torch.func.functional_call(model, params, (sample.unsqueeze(0),))
    return ((prediction.squeeze() - target) ** 2).squeeze()


per_sample = torch.func.vmap(torch.func.grad(sample_loss), in_dims=(None, 0, 0))(params, inputs, targets)
per_sample_weight_gradients = per_sample["weight"].reshape(5, 3)  # (1, 3) per sample
print(tuple(per_sample["weight"].shape), tuple(per_sample["bias"].shape))
#> (5, 1, 3) (5, 1)
residuals = model(inputs).squeeze(1) - targets
print(torch.allclose(per_sample_weight_gradients, 2 * residuals[:, None] * inputs, atol=1e-6))
#> True
# --8<-- [end:vectorisation]

# --8<-- [start:views_and_in_place]
base = torch.arange(6.0)
matrix = base.view(2, 3)  # a view: new shape and strides over the same memory
transposed = matrix.t()  # also a view, with the strides swapped
print(matrix.stride(), transposed.stride(), transposed.is_contiguous())
#> (3, 1) (1, 3) False
print(transposed.untyped_storage().data_ptr() == base.untyped_storage().data_ptr())
#> True
transposed[0, 1] = 100.0  # writing through one view changes them all
written = base.numpy()
print(written, base._version)  # every in-place write bumps the shared version counter
#> [  0.   1.   2. 100.   4.   5.] 1
try:
    transposed.view(6)  # view() never copies, so it refuses non-contiguous memory
except RuntimeError as err:
    print("RuntimeError:", str(err).split(" (")[0])
    #> RuntimeError: view size is not compatible with input tensor's size and stride
flat = transposed.reshape(6)  # reshape() copies when it has to
print(flat.numpy(), flat.untyped_storage().data_ptr() == base.untyped_storage().data_ptr())
#> [  0. 100.   1.   4.   2.   5.] False
# --8<-- [end:views_and_in_place]

# --8<-- [start:broadcasting]
column = torch.tensor([[1.0], [2.0], [3.0]])  # (3, 1)
row = torch.tensor([10.0, 20.0, 30.0, 40.0])  # (4,), treated as (1, 4)
broadcast_sum = column + row
print(tuple(broadcast_sum.shape), broadcast_sum[2].numpy())
#> (3, 4) [13. 23. 33. 43.]
try:
    torch.ones(3) + torch.ones(4)  # trailing sizes 3 and 4: neither is 1
except RuntimeError as err:
    print("RuntimeError:", err)
    #> RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0
# --8<-- [end:broadcasting]

# --8<-- [start:dlpack]
array = np.arange(4, dtype=np.float32)
source = torch.from_dlpack(array)  # any object with __dlpack__: a NumPy array, a tf.Tensor, ...
array[0] = 100.0  # mutate the producer ...
exchanged = source.numpy()
print(exchanged)  # ... and the PyTorch tensor sees it: zero-copy
#> [100.   1.   2.   3.]
counts = torch.zeros(3)
back = np.from_dlpack(counts)  # the other way: NumPy consumes the tensor's __dlpack__
counts[1] = 5.0
print(back, back.flags.writeable)
#> [0. 5. 0.] True
print(np.from_dlpack(torch.arange(6.0).reshape(2, 3).t()).strides)  # strides travel too
#> (4, 12)
try:
    torch.ones(2, requires_grad=True).__dlpack__()
except BufferError as err:
    print("BufferError:", err)
    #> BufferError: Can't export tensors that require gradient, use tensor.detach()
# --8<-- [end:dlpack]
