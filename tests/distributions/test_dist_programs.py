"""The two kinds of program that reach for torch.distributions: a REINFORCE policy gradient
(Categorical sample + log_prob) and a VAE (Normal rsample + kl_divergence). Each trains a few
steps on dygrad; with torch present, one step's gradients match PyTorch's on the same weights."""
import numpy as np
import pytest

import dygrad


def _policy(T, seed=0):
    r = np.random.default_rng(seed)
    net = T.nn.Sequential(T.nn.Linear(4, 16), T.nn.Tanh(), T.nn.Linear(16, 3))
    with T.no_grad():
        for p in net.parameters():
            p.copy_(T.from_numpy(r.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
    return net


def _reinforce_loss(T, net, states, actions, returns):
    dist = T.distributions.Categorical(logits=net(states))
    return -(dist.log_prob(actions) * returns).mean() - 0.01 * dist.entropy().mean()


def test_reinforce_learns():
    torch = dygrad
    torch.manual_seed(0)
    net = _policy(torch)
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    r = np.random.default_rng(1)
    rewards = []
    for _ in range(60):
        states = torch.from_numpy(r.standard_normal((32, 4)).astype(np.float32))
        target = (states[:, 0] > 0).long() + (states[:, 1] > 1).long()  # the rewarded action
        with torch.no_grad():
            actions = torch.distributions.Categorical(logits=net(states)).sample()
        reward = (actions == target).float()
        rewards.append(reward.mean().item())
        loss = _reinforce_loss(torch, net, states, actions, reward - reward.mean())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert np.mean(rewards[-10:]) > np.mean(rewards[:10]) + 0.2, rewards


def test_reinforce_step_parity():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(2)
    states = r.standard_normal((8, 4)).astype(np.float32)
    actions = r.integers(0, 3, 8)
    returns = r.standard_normal(8).astype(np.float32)
    grads = []
    for T in (dygrad, torch):
        net = _policy(T)
        loss = _reinforce_loss(T, net, T.from_numpy(states), T.from_numpy(actions), T.from_numpy(returns))
        loss.backward()
        grads.append([loss.item()] + [p.grad.numpy().copy() for p in net.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class _VAE:
    """Encoder to (mu, log_var) of a 2-d latent, Bernoulli decoder; built for either library."""

    def __init__(self, T, seed=0):
        r = np.random.default_rng(seed)
        self.T = T
        self.enc = T.nn.Linear(6, 4)
        self.dec = T.nn.Sequential(T.nn.Linear(2, 8), T.nn.ReLU(), T.nn.Linear(8, 6))
        with T.no_grad():
            for p in self.parameters():
                p.copy_(T.from_numpy(r.standard_normal(tuple(p.shape)).astype(np.float32) * 0.4))

    def parameters(self):
        return list(self.enc.parameters()) + list(self.dec.parameters())

    def loss(self, x, sample=True):
        D = self.T.distributions
        h = self.enc(x)
        mu, log_var = h[:, :2], h[:, 2:]
        q = D.Normal(mu, (0.5 * log_var).exp())
        z = q.rsample() if sample else q.mean
        prior = D.Normal(self.T.zeros_like(mu), self.T.ones_like(mu))
        recon = D.Independent(D.Bernoulli(logits=self.dec(z)), 1).log_prob(x)
        kl = D.kl_divergence(q, prior).sum(-1)
        return (kl - recon).mean()


def test_vae_learns():
    torch = dygrad
    torch.manual_seed(0)
    r = np.random.default_rng(3)
    protos = (r.random((2, 6)) < 0.5).astype(np.float32)
    data = torch.from_numpy(protos[r.integers(0, 2, 64)])
    vae = _VAE(torch)
    opt = torch.optim.Adam(vae.parameters(), lr=0.03)
    losses = []
    for _ in range(40):
        loss = vae.loss(data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5]), losses
    assert all(p.grad is not None for p in vae.parameters())


def test_vae_step_parity():
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(4).random((5, 6)) < 0.5).astype(np.float32)
    grads = []
    for T in (dygrad, torch):
        vae = _VAE(T)
        loss = vae.loss(T.from_numpy(x), sample=False)
        loss.backward()
        grads.append([loss.item()] + [p.grad.numpy().copy() for p in vae.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
