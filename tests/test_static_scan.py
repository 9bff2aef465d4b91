"""The static scan for forbidden APIs: names as written, aliases, strings; no false alarms."""

import pytest

from autograde.grading.static_scan import find_forbidden

FORBIDDEN = ["torch.nn.RNNCell", "torch.rnn_tanh_cell"]


@pytest.mark.parametrize(
    "source",
    [
        "import torch\ncell = torch.nn.RNNCell(3, 4)",
        "from torch import nn\ncell = nn.RNNCell",
        "from torch.nn import RNNCell as Cell",
        "import torch\nf = getattr(torch, 'rnn_tanh_cell')",
        "import torch._VF as vf\nvf.rnn_tanh_cell",
    ],
)
def test_forbidden_names_are_found_however_they_are_written(source):
    assert find_forbidden(source, FORBIDDEN)


def test_a_finding_names_the_api_and_the_line():
    (finding,) = find_forbidden("import torch\n\nx = torch.nn.RNNCell(1, 2)\n", FORBIDDEN)
    assert (finding.name, finding.line, finding.code) == ("torch.nn.RNNCell", 3, "x = torch.nn.RNNCell(1, 2)")


def test_honest_code_and_prose_are_not_flagged():
    source = '"""Unlike torch.nn.RNNCell, this is written by hand."""\nimport torch\n\ndef RNNCell_like(x):\n    return torch.tanh(x)\n'
    assert find_forbidden(source, FORBIDDEN) == []


def test_names_that_only_look_alike_are_not_flagged():
    source = (
        'import torch\n__all__ = ["embedding"]\n\nclass Model(torch.nn.Module):\n'
        '    def forward(self, ids):\n        return self.embedding(ids)\n'
    )
    assert find_forbidden(source, ["torch.nn.functional.embedding"]) == []


def test_aliases_of_torch_modules_are_followed():
    source = "import torch.nn.functional as fn\nfrom torch import nn as layers\nfn.embedding\nlayers.Embedding\n"
    found = find_forbidden(source, ["torch.nn.functional.embedding", "torch.nn.Embedding"])
    assert [f.line for f in found] == [3, 4]
