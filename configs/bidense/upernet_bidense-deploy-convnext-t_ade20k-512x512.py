# BiDense, deployable form: DAB's per-input-channel scale moved after the
# convolution as a per-sample, per-output-channel factor (BiDenseConv
# scale_mode='output'; exact for depthwise convs, a per-sample scalar for
# dense ones), so every binary conv is an XNOR-popcount conv followed by one
# multiply per output channel; zero padding as the paper-faithful form
# (OpenVINO's BinaryConvolution and mmbin's exporter are exact with it).
# Differs from upernet_bidense-convnext-t_ade20k-512x512.py only in the convolution type.
_base_ = ['./upernet_bidense-convnext-t_ade20k-512x512.py']
conv_cfg = dict(type='BiDenseConv', scale_mode='output', pad_value=0.0)
model = dict(backbone=dict(conv_cfg=conv_cfg), decode_head=dict(conv_cfg=conv_cfg))
