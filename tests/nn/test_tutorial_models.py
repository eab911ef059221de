"""Models from the PyTorch tutorials train under dygrad: each loss falls on learnable data."""
import numpy as np
import pytest

import dygrad as torch
import dygrad.nn as nn
import dygrad.nn.functional as F
import dygrad.optim as optim
from dygrad.vision.models import get_model


def _blobs(n, shape, classes, seed):
    """Class-dependent patterns plus noise: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    protos = rng.standard_normal((classes,) + shape).astype(np.float32)
    y = rng.integers(0, classes, n)
    x = protos[y] + 0.5 * rng.standard_normal((n,) + shape).astype(np.float32)
    return torch.tensor(x), torch.tensor(y)


def _train(model, x, y, opt, steps, batch=32, loss_fn=F.cross_entropy):
    losses = []
    n = x.shape[0]
    for step in range(steps):
        i = (step * batch) % n
        xb, yb = x[i:i + batch], y[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _falls(losses, factor=0.6):
    first = np.mean(losses[:3])
    last = np.mean(losses[-3:])
    assert last < factor * first, f"loss did not fall enough: {first:.4f} -> {last:.4f}"


@pytest.mark.parametrize("name,opt", [("mlp", "adam"), ("lenet5", "sgd")])
def test_mnist_shaped_models_train(name, opt):
    torch.manual_seed(0)
    x, y = _blobs(256, (1, 28, 28), 10, 1)
    model = get_model(name)
    o = optim.Adam(model.parameters(), 1e-3) if opt == "adam" else optim.SGD(model.parameters(), 0.05, momentum=0.9)
    _falls(_train(model, x, y, o, 40))


def test_small_resnet_with_batchnorm_trains_and_evaluates():
    torch.manual_seed(0)
    x, y = _blobs(128, (3, 16, 16), 4, 2)
    model = get_model("resnet8", num_classes=4)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    _falls(_train(model, x, y, opt, 25))
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert acc > 0.5
    assert model.bn1.num_batches_tracked.item() == 25


class GRUClassifier(nn.Module):
    def __init__(self, vocab, emb, hidden, classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, tokens):
        out, h = self.gru(self.embedding(tokens))
        return self.fc(h[-1])


def test_gru_classifier_over_token_ids():
    torch.manual_seed(0)
    rng = np.random.default_rng(3)
    # class = whether token 7 appears in the sequence
    seqs = rng.integers(1, 20, (192, 12))
    labels = rng.integers(0, 2, 192)
    seqs[labels == 1, rng.integers(0, 12, (labels == 1).sum())] = 7
    seqs[labels == 0] = np.where(seqs[labels == 0] == 7, 8, seqs[labels == 0])
    x, y = torch.tensor(seqs), torch.tensor(labels)
    model = GRUClassifier(20, 16, 32, 2)
    opt = optim.Adam(model.parameters(), lr=5e-3)
    _falls(_train(model, x, y, opt, 60), factor=0.7)
    assert model.embedding.weight.grad[0].abs().sum().item() == 0  # padding row gets no gradient


def test_dqn_update():
    torch.manual_seed(0)
    q = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
    target = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 2))
    target.load_state_dict(q.state_dict())
    opt = optim.Adam(q.parameters(), lr=1e-3)
    rng = np.random.default_rng(4)
    s = torch.tensor(rng.standard_normal((64, 4)).astype(np.float32))
    a = torch.tensor(rng.integers(0, 2, 64))
    r = torch.tensor(rng.standard_normal(64).astype(np.float32))
    s2 = torch.tensor(rng.standard_normal((64, 4)).astype(np.float32))
    done = torch.tensor(rng.random(64) < 0.1)
    losses = []
    for step in range(60):
        qsa = q(s).gather(1, a.unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            best = target(s2).max(1)[0]
            y = r + 0.9 * best * (~done).float()
        loss = F.smooth_l1_loss(qsa, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(q.parameters(), 10.0)
        opt.step()
        losses.append(loss.item())
    _falls(losses, factor=0.8)


def test_gan_step():
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2))
    D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    opt_g = optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.randn(64, 2) * 0.3 + torch.tensor([2.0, -1.0])
    d_losses, g_dist = [], []
    for step in range(150):
        z = torch.randn(64, 4)
        fake = G(z)
        d_loss = bce(D(real), torch.ones(64, 1)) + bce(D(fake.detach()), torch.zeros(64, 1))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = bce(D(fake), torch.ones(64, 1))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        d_losses.append(d_loss.item())
        g_dist.append((fake.detach().mean(0) - real.mean(0)).norm().item())
    # the generator's samples move toward the real distribution
    assert np.mean(g_dist[-10:]) < 0.5 * np.mean(g_dist[:10])
