"""dygrad.vision.models' registry and builder options (no PyTorch needed, except where a test
says so): weights refusal, legacy pretrained=, get_model/list_models, ResNet options and
initialization, the trainer models the CLI lists."""
import math

import numpy as np
import pytest

import dygrad
from dygrad.vision import models as dm


def test_list_models_filters_as_torchvision():
    names = dm.list_models()
    assert names == sorted(names)
    for n in ("resnet18", "resnet152", "vgg16_bn", "alexnet", "squeezenet1_1", "mobilenet_v2",
              "mobilenet_v3_small", "mobilenet_v3_large", "densenet121", "lenet5", "resnet8"):
        assert n in names
    assert "lenet" not in names  # an alias get_model still takes
    assert dm.list_models(include="resnet1*") == ["resnet101", "resnet152", "resnet18"]
    assert dm.list_models(include=["vgg11*", "alexnet"], exclude="*_bn") == ["alexnet", "vgg11"]
    assert dm.list_models(module=dm) == names
    assert dm.list_models(module=dygrad.nn) == []


def test_get_model_and_builder():
    model = dm.get_model("ResNet18", weights=None, num_classes=10)
    assert isinstance(model, dm.ResNet) and model.fc.out_features == 10
    assert dm.get_model_builder("vgg11") is dm.vgg11
    assert isinstance(dm.get_model("lenet"), dm.LeNet5)
    with pytest.raises(ValueError, match="Unknown model 'resnet9'.*resnet18"):
        dm.get_model("resnet9")


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V1", True, object()])
def test_weights_other_than_none_are_refused(weights):
    with pytest.raises(ValueError, match=r"resnet18\(weights=.*downloads nothing.*weights=None"):
        dm.resnet18(weights=weights)


def test_pretrained_true_is_refused_false_warns_as_torchvision():
    with pytest.raises(ValueError, match=r"mobilenet_v2\(pretrained=True\).*load_state_dict"):
        dm.mobilenet_v2(pretrained=True)
    with pytest.warns(UserWarning) as record:
        model = dm.squeezenet1_1(pretrained=False, num_classes=5)
    assert model.num_classes == 5
    messages = [str(w.message) for w in record]
    assert len(messages) == 2 and "'pretrained' is deprecated" in messages[0]
    assert "equivalent to passing `weights=None`" in messages[1]


def test_builders_are_keyword_only():
    with pytest.raises(TypeError):
        dm.resnet18(None)


def test_trainer_models_are_the_cli_models():
    assert dm.trainer_models() == ["lenet5", "mlp", "resnet20", "resnet8"]
    from dygrad.cli import model_names
    assert model_names() == dm.trainer_models()
    model = dm.get_model("resnet8", num_classes=4, in_channels=3, image_size=32)
    assert model(dygrad.randn(2, 3, 32, 32)).shape == (2, 4)


def test_resnet_options():
    m = dm.resnet50(num_classes=3, zero_init_residual=True)
    assert all(b.bn3.weight.abs().sum().item() == 0 for b in m.modules() if isinstance(b, dm.Bottleneck))
    m = dm.resnet18(zero_init_residual=True)
    assert all(b.bn2.weight.abs().sum().item() == 0 for b in m.modules() if isinstance(b, dm.BasicBlock))
    m = dm.resnet50(replace_stride_with_dilation=[False, True, True])
    assert m.layer4[1].conv2.dilation == (4, 4) and m.layer4[0].conv2.stride == (1, 1)
    with dygrad.no_grad():
        assert m.eval()(dygrad.randn(1, 3, 64, 64)).shape == (1, 1000)
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None or a 3-element"):
        dm.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        dm.resnet18(groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        dm.resnet18(replace_stride_with_dilation=[False, False, True])
    m = dm.resnet18(norm_layer=lambda c: dygrad.nn.GroupNorm(4, c))
    assert isinstance(m.bn1, dygrad.nn.GroupNorm) and m.bn1.weight.min().item() == 1.0
    with pytest.raises(ValueError, match="'groups' expected value 32 but got 8"):
        dm.resnext50_32x4d(groups=8)


def test_resnet_initialization_follows_torchvision():
    dygrad.manual_seed(0)
    m = dm.resnet18()
    w = m.layer2[0].conv1.weight.detach().numpy()  # kaiming normal, fan_out, relu gain
    std = math.sqrt(2.0 / (w.shape[0] * w.shape[2] * w.shape[3]))
    assert abs(w.std() / std - 1) < 0.05 and abs(w.mean()) < 0.05 * std
    assert m.bn1.weight.min().item() == m.bn1.weight.max().item() == 1.0
    assert m.bn1.bias.abs().max().item() == 0.0
    bound = 1 / math.sqrt(512)  # fc keeps Linear's default
    assert np.abs(m.fc.weight.detach().numpy()).max() <= bound


def test_mobilenet_and_densenet_options():
    m = dm.mobilenet_v2(width_mult=0.5, num_classes=7)
    assert m.features[0][0].out_channels == 16 and m.last_channel == 1280
    m = dm.mobilenet_v3_small(reduced_tail=True, dilated=True, num_classes=7)
    assert m.features[-2].block[1][0].dilation == (2, 2) and m.classifier[0].out_features == 512
    bn = m.features[0][1]
    assert bn.eps == 0.001 and bn.momentum == 0.01
    with dygrad.no_grad():
        assert m.eval()(dygrad.randn(1, 3, 64, 64)).shape == (1, 7)
    net = dm.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=8, drop_rate=0.2,
                      num_classes=3, memory_efficient=True)
    assert net(dygrad.randn(2, 3, 32, 32)).shape == (2, 3)
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 1_2"):
        dm.SqueezeNet("1_2")


def test_torchvision_list_models_agrees():
    pytest.importorskip("torch")
    tvm = pytest.importorskip("torchvision.models")
    ours = set(dm.list_models()) - set(dm.trainer_models())
    assert ours <= set(tvm.list_models())
    # the same filters give the same answers
    for inc, exc in [("resnet*", None), (["vgg*", "dense*"], "*_bn"), ("mobilenet*", "*small")]:
        theirs = [n for n in tvm.list_models(include=inc, exclude=exc) if n in ours]
        assert [n for n in dm.list_models(include=inc, exclude=exc) if n in ours] == theirs


def test_weight_enums_name_torchvision_weights_and_are_refused():
    assert repr(dm.ResNet50_Weights.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert dm.get_model_weights("resnet18") is dm.ResNet18_Weights
    assert dm.get_model_weights(dm.vgg16) is dm.VGG16_Weights
    assert dm.get_weight("MobileNet_V2_Weights.IMAGENET1K_V1") is dm.MobileNet_V2_Weights.IMAGENET1K_V1
    assert dm.ResNet18_Weights.verify("DEFAULT") is dm.ResNet18_Weights.IMAGENET1K_V1
    with pytest.raises(ValueError, match=r"vgg16\(weights=VGG16_Weights.IMAGENET1K_V1\).*weights=None"):
        dm.vgg16(weights=dm.VGG16_Weights.DEFAULT)
    with pytest.raises(ValueError, match="downloads nothing"):
        dm.AlexNet_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
    with pytest.raises(ValueError, match="Invalid weight name"):
        dm.get_weight("ResNet18_Weights.IMAGENET1K_V9")
    with pytest.raises(ValueError, match="no pretrained weights in torchvision either"):
        dm.get_model_weights("lenet5")


def test_weight_enums_match_torchvision():
    pytest.importorskip("torch")
    tvm = pytest.importorskip("torchvision.models")
    for name in set(dm.list_models()) - set(dm.trainer_models()):
        ours, theirs = dm.get_model_weights(name), tvm.get_model_weights(name)
        assert ours.__name__ == theirs.__name__
        assert list(ours.__members__) == list(theirs.__members__)
        assert ours.DEFAULT.name == theirs.DEFAULT.name
