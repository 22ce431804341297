# Plain binary multi-task baseline: binary ResNet-18 backbone and decoder
# without the IB neck and without distillation, with BiDense convolutions
# (DAB binarizer; every convolution adds its channel-adaptive full-precision
# bypass, CFB) and RPReLU.
# The ReActNet member of this family is nyud_r18_no_ib_no_kd.py; the
# benchmark (tools/benchmark/run_benchmark.py) compares them.
_base_ = ['./nyud_r18_no_ib_no_kd.py']
binary_conv = dict(type='BiDenseConv')
# decoder blocks bring their own norm and full-precision bypass
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
