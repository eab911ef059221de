"""Models of the real workloads (issue 13), written once against the PyTorch API.

Each builder takes the framework module as `torch`, so the same lines build the dygrad and the
PyTorch model. `params_like` makes NumPy weights for any such model from a seed, by the names and
shapes of its parameters, so both frameworks start from identical numbers.
"""
import math

import numpy as np


def params_like(model, rng):
    """NumPy float32 weights for every named parameter of `model` (any framework): normalisation
    layers' weights 1 and biases 0, embeddings U(-0.1, 0.1) (as the word language model example;
    they double as the tied decoder there), other tensors U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) as PyTorch's default Linear/Conv init."""
    kinds = {name: type(m).__name__ for name, m in model.named_modules()}
    out = {}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        owner, _, leaf = name.rpartition(".")
        kind = kinds.get(owner, "")
        if "Norm" in kind:
            out[name] = (np.ones if leaf == "weight" else np.zeros)(shape, np.float32)
        elif kind == "Embedding":
            out[name] = rng.uniform(-0.1, 0.1, size=shape).astype(np.float32)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            bound = 1.0 / math.sqrt(fan_in)
            out[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return out


# -- char-level GPT (minGPT's layout) ------------------------------------------------------------

def build_gpt(torch, vocab, block, n_embd, n_head, n_layer, sdpa):
    nn = torch.nn
    F = torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.register_buffer("bias", torch.tril(torch.ones(block, block))
                                 .view(1, 1, block, block))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
            q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
            v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
            if sdpa:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                     nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, n_embd)
            self.wpe = nn.Embedding(block, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab, bias=False)

        def forward(self, idx, targets):
            t = idx.size(1)
            pos = torch.arange(0, t, dtype=torch.long)
            x = self.wte(idx) + self.wpe(pos)
            for blk in self.h:
                x = blk(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


# -- ResNet-18 in torchvision's layout -------------------------------------------------------------

def build_resnet18(torch, in_channels, num_classes=10):
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.downsample = None
            if stride != 1 or c_in != c_out:
                self.downsample = nn.Sequential(
                    nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return self.relu(out)

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            chans, c_in, layers = (64, 128, 256, 512), 64, []
            for i, c in enumerate(chans):
                stride = 1 if i == 0 else 2
                layers.append(nn.Sequential(BasicBlock(c_in, c, stride), BasicBlock(c, c, 1)))
                c_in = c
            self.layer1, self.layer2, self.layer3, self.layer4 = layers
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet18()


# -- 2-layer LSTM word language model (pytorch/examples' word_language_model) ------------------

def build_lstm_lm(torch, ntoken, ninp, nhid, nlayers, dropout):
    nn = torch.nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.decoder.weight = self.encoder.weight  # tied weights (ninp == nhid)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, ntoken)
            return nn.functional.log_softmax(decoded, dim=1), hidden

    return RNNModel()


# -- TransformerEncoder classifier ---------------------------------------------------------------

def build_transformer_classifier(torch, vocab, seq, d_model, nhead, d_ff, nlayers, classes,
                                 dropout):
    nn = torch.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, d_model)
            self.pos_embedding = nn.Embedding(seq, d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead, d_ff, dropout, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
            self.head = nn.Linear(d_model, classes)

        def forward(self, tokens):
            pos = torch.arange(tokens.size(1))
            x = self.embedding(tokens) * math.sqrt(d_model) + self.pos_embedding(pos)
            return self.head(self.encoder(x).mean(dim=1))

    return Classifier()
