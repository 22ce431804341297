# Video mode of the small-ViT sharing model with per-token thresholds and
# token skipping (synthetic stand-in, test only). A token's delta (all its
# features) is kept when its mean |delta| reaches the threshold and dropped
# as a whole otherwise, so tokens that did not change since the previous
# frame (or, in the cross-task layers of a sub-task whose weight delta is
# zero there, against the base task) are not recomputed: the linear layers
# and attention projections multiply only the changed tokens
# (`skip_unchanged`; exact, see docs/sharing.md "Timed savings").
#   python tools/analysis/sharing_report.py video \
#       configs/sharing/synthetic_vit_video_token.py \
#       work_dirs/synthetic_vit_step3
_base_ = ['./synthetic_vit_video.py']
model = dict(
    sharing=dict(threshold_granularity='token', skip_unchanged=True))
