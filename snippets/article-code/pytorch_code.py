"""The PyTorch code samples of the articles on claims.md, run with only the changes needed offline.

Each section says what was changed. Outputs come from PyTorch 2.13 (CPU build).
"""

# --8<-- [start:setup]
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
# The bundled 8x8 digits (pixel values 0..16) stand in for the MNIST download.
digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.images, digits.target, test_size=0.25, random_state=0
)
test_labels = y_test
print(x_train.shape, x_test.shape)
#> (1347, 8, 8) (450, 8, 8)
# --8<-- [end:setup]


# --8<-- [start:layer_as_published]
# The undated blog post's PyTorch half, verbatim: forward uses self.w and self.b, which
# nothing creates.
class Layer(torch.nn.Module):
    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
try:
    Layer()(x)
except AttributeError as err:
    print(f"{type(err).__name__}: {err}")
    #> AttributeError: 'Layer' object has no attribute 'w'
# --8<-- [end:layer_as_published]


# --8<-- [start:layer_with_parameters]
# The smallest fix: register the weights as parameters in __init__.
class Layer(torch.nn.Module):
    def __init__(self, w, b):
        super().__init__()
        self.w = torch.nn.Parameter(w)
        self.b = torch.nn.Parameter(b)

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


w = torch.tensor([[0.5, -0.5], [0.25, 0.0], [-1.0, 1.0]])
b = torch.tensor([0.1, -0.1])
layer_output = Layer(w, b)(x).detach()
print(layer_output.numpy())
#> [[-1.9   2.4 ]
#>  [-2.65  3.9 ]]
print([name for name, _ in Layer(w, b).named_parameters()])
#> ['w', 'b']
# --8<-- [end:layer_with_parameters]

# --8<-- [start:mnist_text_as_checked]
# The February 2025 post's PyTorch sample as the copy we checked reads: typographic quotes,
# and every line starting in column 0.
PUBLISHED = "\n".join([
    "import torch",
    "import torch.nn as nn",
    "import torch.optim as optim",
    "from torchvision import datasets, transforms",
    "train_loader = torch.utils.data.DataLoader(datasets.MNIST(‘.’, download=True, "
    "transform=transforms.ToTensor()), batch_size=64, shuffle=True)",
    "test_loader = torch.utils.data.DataLoader(datasets.MNIST(‘.’, download=True, "
    "transform=transforms.ToTensor()), batch_size=64, shuffle=False)",
    "class Net(nn.Module):",
    "def __init__(self):",
    "super(Net, self).__init__()",
    "self.fc1 = nn.Linear(28*28, 128)",
    "self.fc2 = nn.Linear(128, 10)",
    "def forward(self, x):",
    "x = x.view(-1, 28*28)",
    "x = torch.relu(self.fc1(x))",
    "x = self.fc2(x)",
    "return torch.log_softmax(x, dim=1)",
    "model = Net()",
    "optimizer = optim.Adam(model.parameters(), lr=0.001)",
    "for epoch in range(5):",
    "for data, target in train_loader:",
    "optimizer.zero_grad()",
    "output = model(data)",
    "loss = nn.CrossEntropyLoss()(output, target)",
    "loss.backward()",
    "optimizer.step()",
    "correct, total = 0, 0",
    "with torch.no_grad():",
    "for data, target in test_loader:",
    "output = model(data)",
    "correct += (output.argmax(dim=1) == target).sum().item()",
    "print(f’Test Accuracy: {correct / len(test_loader.dataset)}’)",
])
try:
    compile(PUBLISHED, "article_pytorch.py", "exec")
except SyntaxError as err:
    print(f"line {err.lineno}: {type(err).__name__}: {err.msg}")
    #> line 5: SyntaxError: invalid character '‘' (U+2018)
straight = PUBLISHED.translate(str.maketrans("‘’", "''"))
try:
    compile(straight, "article_pytorch.py", "exec")
except SyntaxError as err:
    print(f"line {err.lineno}: {type(err).__name__}: {err.msg}")  # with straight quotes
    #> line 8: IndentationError: expected an indented block after class definition on line 7
# --8<-- [end:mnist_text_as_checked]

# --8<-- [start:mnist_model]
# Changes: digits in a TensorDataset instead of torchvision's MNIST download (8*8 inputs,
# not 28*28), indentation restored, straight quotes, 2 epochs instead of 5, and a
# test_loader that reads the held-out digits (the article's reads the training set: below).
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


def digits_loader(images, labels, shuffle):
    inputs = torch.tensor(images / 16.0, dtype=torch.float32)
    return DataLoader(TensorDataset(inputs, torch.tensor(labels)), batch_size=64, shuffle=shuffle)


train_loader = digits_loader(x_train, y_train, shuffle=True)
test_loader = digits_loader(x_test, y_test, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008 (as published)
        self.fc1 = nn.Linear(8*8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 8*8)
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return torch.log_softmax(x, dim=1)


model = Net()
optimizer = optim.Adam(model.parameters(), lr=0.001)
for epoch in range(2):  # noqa: B007 (as published)
    for data, target in train_loader:
        optimizer.zero_grad()
        output = model(data)
        loss = nn.CrossEntropyLoss()(output, target)
        loss.backward()
        optimizer.step()
correct, total = 0, 0
with torch.no_grad():
    for data, target in test_loader:
        output = model(data)
        correct += (output.argmax(dim=1) == target).sum().item()
print(f'Test Accuracy: {correct / len(test_loader.dataset)}')
#> Test Accuracy: 0.8066666666666666

# The article's test_loader is datasets.MNIST('.', download=True, ...) without train=False,
# so it reads the training images. Scored the same way, on the images it trained on:
published_loader = digits_loader(x_train, y_train, shuffle=False)
correct = 0
with torch.no_grad():
    for data, target in published_loader:
        correct += (model(data).argmax(dim=1) == target).sum().item()
print(f'Accuracy on the training images: {correct / len(published_loader.dataset)}')
#> Accuracy on the training images: 0.8366740905716407
# --8<-- [end:mnist_model]

# --8<-- [start:loss_functions]
# The sample applies log_softmax and then CrossEntropyLoss, which applies log_softmax again.
# log_softmax of log-probabilities changes nothing, so the loss is the same as on the logits.
logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 1.5, 0.0]])
targets = torch.tensor([0, 2, 1])
on_log_probabilities = nn.CrossEntropyLoss()(torch.log_softmax(logits, dim=1), targets)
mean_loss = nn.CrossEntropyLoss()(logits, targets)
print(round(on_log_probabilities.item(), 5), round(mean_loss.item(), 5))
#> 0.19224 0.19224
print(torch.allclose(torch.log_softmax(torch.log_softmax(logits, 1), 1), torch.log_softmax(logits, 1)))
#> True
# --8<-- [end:loss_functions]
