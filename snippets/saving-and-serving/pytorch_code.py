"""Saving and serving in PyTorch 2.13: state_dict, torch.export .pt2 archives, inference requests."""

# --8<-- [start:setup]
import json
import re
import tempfile
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
from torch import nn

digits = load_digits()
features = (digits.data / 16.0).astype("float32")  # 1797 images of 8x8 pixels, flattened to 64
labels = digits.target
# The weights are computed in NumPy, identically in both scripts: a random ReLU layer, then an
# output layer fitted by least squares. No training loop, so both frameworks hold one model.
rng = np.random.default_rng(0)
hidden_kernel = rng.normal(scale=0.5, size=(64, 64)).astype("float32")
hidden_bias = rng.normal(scale=0.5, size=64).astype("float32")
hidden = np.maximum(features[:1500] @ hidden_kernel + hidden_bias, 0)
output_kernel = np.linalg.solve(hidden.T @ hidden + np.eye(64), hidden.T @ np.eye(10)[labels[:1500]])
output_kernel = output_kernel.astype("float32")


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 64)
        self.output = nn.Linear(64, 10)

    def forward(self, pixels):
        return self.output(torch.relu(self.hidden(pixels)))


model = Classifier().eval()
model.load_state_dict(
    {
        "hidden.weight": torch.from_numpy(hidden_kernel.T.copy()),  # Linear stores (out, in)
        "hidden.bias": torch.from_numpy(hidden_bias),
        "output.weight": torch.from_numpy(output_kernel.T.copy()),
        "output.bias": torch.zeros(10),
    }
)
test_images, test_labels = torch.from_numpy(features[1500:]), labels[1500:]
with torch.no_grad():
    logits = model(test_images).numpy()
print("test accuracy:", round(float((logits.argmax(axis=1) == test_labels).mean()), 3))
#> test accuracy: 0.879
scratch = tempfile.TemporaryDirectory()  # every file below goes here, deleted at exit
workdir = Path(scratch.name)
# --8<-- [end:setup]

# --8<-- [start:save_and_reload]
# A state_dict holds tensors only: the architecture is the Python class, which must be importable.
torch.save(model.state_dict(), workdir / "classifier.pt")
reloaded = Classifier().eval()
reloaded.load_state_dict(torch.load(workdir / "classifier.pt"))  # weights_only=True by default
with torch.no_grad():
    reloaded_logits = reloaded(test_images).numpy()
print("identical outputs:", np.array_equal(reloaded_logits, logits))
#> identical outputs: True
print(list(torch.load(workdir / "classifier.pt")))
#> ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
# --8<-- [end:save_and_reload]

# --8<-- [start:export_for_serving]
# torch.export captures the whole forward pass as a graph of ATen operators, with the weights.
batch = torch.export.Dim("batch")  # without this, the batch size is fixed to the example's
exported = torch.export.export(model, (test_images[:2],), dynamic_shapes={"pixels": {0: batch}})
torch.export.save(exported, workdir / "classifier.pt2")

served = torch.export.load(workdir / "classifier.pt2").module()  # Classifier is not needed here
with torch.no_grad():
    exported_logits = served(test_images).numpy()
print("max |difference| from eager below 1e-5:", bool(np.abs(exported_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
one, seven = served(test_images[:1]), served(test_images[:7])
print("batch of 1:", tuple(one.shape), "| batch of 7:", tuple(seven.shape))
#> batch of 1: (1, 10) | batch of 7: (7, 10)
print([str(node.target) for node in exported.graph.nodes if node.op == "call_function"])
#> ['aten.linear.default', 'aten.relu.default', 'aten.linear.default']
# --8<-- [end:export_for_serving]

# --8<-- [start:compile_ahead_of_time]
# AOTInductor compiles the ExportedProgram to C++, builds it into a shared library with the
# machine's C++ compiler, and packages library and weights in a .pt2 file (CPU-heavy: seconds).
package_path = str(workdir / "classifier_aoti.pt2")
package = torch._inductor.aoti_compile_and_package(exported, package_path=package_path)
with zipfile.ZipFile(package) as archive:
    kinds = sorted({name.split(".", 1)[-1] for name in archive.namelist() if "/aotinductor/" in name})
print(kinds)  # generated C++ source, its metadata, and the compiled library
#> ['kernel.cpp', 'kernel_metadata.json', 'wrapper.cpp', 'wrapper.so', 'wrapper_metadata.json']
compiled = torch._inductor.aoti_load_package(package)  # loads the .so; no Python model code
with torch.no_grad():
    compiled_logits = compiled(test_images).numpy()  # the batch dimension stayed dynamic
print("max |difference| from eager below 1e-5:", bool(np.abs(compiled_logits - logits).max() < 1e-5))
#> max |difference| from eager below 1e-5: True
print("batch of 1:", tuple(compiled(test_images[:1]).shape))
#> batch of 1: (1, 10)
# The same package loads from C++ (torch::inductor::AOTIModelPackageLoader) without Python.
# --8<-- [end:compile_ahead_of_time]

# --8<-- [start:several_endpoints]
# One ExportedProgram is one method. Several programs can share one .pt2 package, each under a name
# (package_pt2 lives in a private module but is listed in the torch.export API reference).
from torch.export.pt2_archive._package import load_pt2, package_pt2  # noqa: E402


class Probabilities(nn.Module):
    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, pixels):
        return torch.softmax(self.classifier(pixels), dim=-1)


programs = {
    "forward": exported,
    "probabilities": torch.export.export(
        Probabilities(model), (test_images[:2],), dynamic_shapes={"pixels": {0: batch}}
    ),
}
package_pt2(workdir / "classifier_v2.pt2", exported_programs=programs)
version_2 = load_pt2(workdir / "classifier_v2.pt2")
print(sorted(version_2.exported_programs))
#> ['forward', 'probabilities']
with torch.no_grad():
    endpoint_probabilities = version_2.exported_programs["probabilities"].module()(test_images[:3]).numpy()
print(endpoint_probabilities.round(3).max(axis=1), endpoint_probabilities.sum(axis=1).round(4))
#> [0.138 0.183 0.214] [1. 1. 1.]
# --8<-- [end:several_endpoints]

# --8<-- [start:serving_request]
# PyTorch has no maintained first-party server. Triton, KServe and Seldon MLServer speak the Open
# Inference Protocol (v2): each input is named, with its shape, datatype and flat data.
input_name = exported.graph_signature.user_inputs[0]
output_name = exported.graph_signature.user_outputs[0]
print("input:", input_name, "output:", output_name)
#> input: pixels output: linear_1
print("POST http://localhost:8000/v2/models/classifier/versions/2/infer")
#> POST http://localhost:8000/v2/models/classifier/versions/2/infer
instances = test_images[:3]
request_input = {"name": input_name, "shape": list(instances.shape), "datatype": "FP32"}
body = json.dumps({"inputs": [request_input | {"data": instances.flatten().tolist()}]})
print(body[:76] + " ...")
#> {"inputs": [{"name": "pixels", "shape": [3, 64], "datatype": "FP32", "data": ...

# No server runs here. This is what a server does with that body: rebuild each named tensor from
# its flat data and shape, run the model, answer with named outputs in the same form.
request = json.loads(body)
tensors = {item["name"]: torch.tensor(item["data"]).reshape(item["shape"]) for item in request["inputs"]}
with torch.no_grad():
    outputs = served(*(tensors[name] for name in exported.graph_signature.user_inputs))
response = {"outputs": [{"name": output_name, "shape": list(outputs.shape), "datatype": "FP32",
                         "data": outputs.flatten().round(decimals=4).tolist()}]}  # fmt: skip
answer = response["outputs"][0]
served_predictions = np.argmax(np.reshape(answer["data"], answer["shape"]), axis=1)
print("predicted digits:", served_predictions, "true digits:", test_labels[:3])
#> predicted digits: [2 7 4] true digits: [1 7 4]
# --8<-- [end:serving_request]

# --8<-- [start:legacy_formats]
# TorchScript, PyTorch's former format for serving and mobile, is deprecated: every call warns.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scripted = torch.jit.script(model)
    torch.jit.save(scripted, workdir / "classifier_scripted.pt")
    torch.jit.load(workdir / "classifier_scripted.pt")
for category, message in dict.fromkeys((w.category.__name__, str(w.message)) for w in caught):
    print(textwrap.fill(f"{category}: {message}", width=96, subsequent_indent="  "))
    #> DeprecationWarning: `torch.jit.script` is deprecated. Please switch to `torch.compile` or
    #>   `torch.export`.
    #> DeprecationWarning: `torch.jit.save` is deprecated. Please switch to `torch.export`.
    #> DeprecationWarning: `torch.jit.load` is deprecated. Please switch to `torch.export`.
# Pickling the whole module still works, but torch.load refuses it by default since PyTorch 2.6.
torch.save(model, workdir / "whole_model.pt")
try:
    torch.load(workdir / "whole_model.pt")
except Exception as err:  # _pickle.UnpicklingError
    message = re.search(r"In PyTorch 2.6.*?`True`.", str(err)).group()
    print(textwrap.fill(f"{type(err).__name__}: {message}", width=96, subsequent_indent="  "))
    #> UnpicklingError: In PyTorch 2.6, we changed the default value of the `weights_only` argument in
    #>   `torch.load` from `False` to `True`.
# --8<-- [end:legacy_formats]
