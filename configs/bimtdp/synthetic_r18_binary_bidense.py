# CPU twin on the synthetic stand-in.
# Plain binary multi-task baseline: binary ResNet-18 backbone and decoder
# without the IB neck and without distillation, with BiDense convolutions
# (DAB binarizer, XNOR weights; every convolution has its BN and BiDense's
# channel-adaptive full-precision bypass, CFB) and RPReLU.
# Backbone: each 3x3 conv is a complete BiDense unit and BiBasicBlock adds
# no norm, shortcut or downsample of its own around it (issue 17: it used
# to, computing act(BN(BN(BinConv(x)) + CFB(x)) + x)):
#   h = RPReLU(BN(BinConv3x3_s(DAB(x))) + CFB(AvgPool_s(x)))
#   y = RPReLU(BN(BinConv3x3(DAB(h))) + h)
# Decoder and heads: mmbin's BypassConvModule adds the BN and the CFB bypass
# itself, so its conv is the bare DAB/XNOR convolution:
#   act(BN(BinConv(DAB(x))) + CFB(x)).
# tests/test_configs/test_no_double_norm.py checks both on the traced forward.
# The ReActNet member of this family is synthetic_r18_no_ib_no_kd.py; the
# benchmark (tools/benchmark/run_benchmark.py) compares them.
_base_ = ['./synthetic_r18_no_ib_no_kd.py']
binary_conv = dict(type='BiDenseConv')
# BypassConvModule brings the norm and the full-precision bypass
block_conv = dict(type='BiDenseConv', norm_cfg=None, with_bypass=False)
binary_block = dict(conv_cfg=block_conv, act_cfg=dict(type='RPReLU'))
model = dict(
    backbone=dict(conv_cfg=binary_conv, act_cfg=dict(type='RPReLU')),
    decoder=binary_block,
    decode_heads=dict(
        seg=binary_block,
        depth=binary_block,
        normal=binary_block,
        edge=binary_block))
