# Copyright (c) mmbin contributors. All rights reserved.
"""Registered mmbin components cite their papers with links.

A docstring that cites a work ("Liu et al.") carries a ``References:``
section with a link in the same docstring; arXiv links are well formed; the
method components cite the arXiv ids of their papers.
"""
import re

import pytest

ARXIV = re.compile(r'arxiv\.org/\S*', re.IGNORECASE)
ARXIV_ABS = re.compile(r'arxiv\.org/abs/\d{4}\.\d{4,5}(v\d+)?(?!\d)')

# Method components and the arXiv ids their References must contain.
EXPECTED = {
    'SignSTE': ['1602.02830'],
    'SignWeight': ['1602.02830'],
    'BNNConv': ['1602.02830'],
    'XNORWeight': ['1603.05279'],
    'XNORConv': ['1603.05279'],
    'ApproxSign': ['1808.00278'],
    'BiRealConv': ['1808.00278'],
    'RSign': ['2003.03488'],
    'RPReLU': ['2003.03488'],
    'LearnableBias': ['2003.03488'],
    'ReActConv': ['2003.03488'],
    'DAB': ['2411.10346'],
    'BiDenseConv': ['2411.10346'],
    'CFBConv2d': ['2411.10346'],
    'BiDenseConvTranspose2d': ['2411.10346'],
    'BiDenseConvNeXt': ['2411.10346', '2201.03545'],
    'BiResNet': ['1808.00278', '2003.03488'],
    'IBNeck': ['1612.00410', '2405.14136'],
    'GaussianKLLoss': ['1612.00410'],
    'MultiTaskDistillLoss': ['2405.14136'],
    'BiMTDPDistillHook': ['2405.14136'],
    'ChannelWiseDistillLoss': ['2011.13256'],
    'PixelKLDistillLoss': ['1503.02531'],
    'MaskedSILogLoss': ['1406.2283'],
    'UPerDepthHead': ['1807.10221', '2411.10346'],
    'MultiTaskFPNDecoder': ['1612.03144'],
    'MultiTaskMetric': ['2004.13379', '1904.08918'],
    'PascalContextMultiTaskDataset': ['1406.2031'],
}


def reference_problems(cls):
    """Citation problems of the docstring of ``cls`` (its own, not
    inherited)."""
    doc = cls.__doc__ or ''
    name = f'{cls.__module__}.{cls.__qualname__}'
    problems = []
    if re.search(r'\bet al\b', doc):
        head, sep, refs = doc.partition('References:')
        if not sep:
            problems.append(f'{name} cites "et al." without a References: '
                            f'section')
        elif not re.search(r'https?://', refs):
            problems.append(f'{name}: its References: section has no link')
    for match in ARXIV.finditer(doc):
        if not ARXIV_ABS.match(match.group(0)):
            problems.append(f'{name}: malformed arXiv link '
                            f'{match.group(0)!r} (use '
                            f'https://arxiv.org/abs/NNNN.NNNNN)')
    return problems


@pytest.fixture(scope='module')
def registered():
    """Every class that mmbin registers, by name."""
    import mmbin  # noqa: F401  (registers the components)
    from mmengine.registry import MODELS as ROOT_MODELS
    from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS
    classes = {}
    for registry in (ROOT_MODELS, MODELS, DATASETS, TRANSFORMS, METRICS,
                     HOOKS):
        for name, cls in registry.module_dict.items():
            if getattr(cls, '__module__', '').startswith('mmbin.'):
                classes[name] = cls
    return classes


def test_citations_carry_links(registered):
    assert len(registered) > 40
    problems = [p for cls in registered.values()
                for p in reference_problems(cls)]
    assert problems == []


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_method_components_cite_their_papers(registered, name):
    assert name in registered, f'{name} is not registered'
    doc = registered[name].__doc__
    _, sep, refs = doc.partition('References:')
    assert sep, f'{name} has no References: section'
    for arxiv_id in EXPECTED[name]:
        assert f'https://arxiv.org/abs/{arxiv_id}' in refs, (name, arxiv_id)


def test_checker_flags_bad_citations():

    class NoSection:
        """A layer (Doe et al., 2020)."""

    class NoLink:
        """A layer (Doe et al., 2020).

        References:
            - Doe et al., "A Paper", 2020.
        """

    class BadArxiv:
        """A layer.

        References:
            - Doe et al., "A Paper", 2020. https://arxiv.org/pdf/2001.0001
        """

    class Good:
        """A layer (Doe et al., 2020).

        References:
            - Doe et al., "A Paper", 2020. https://arxiv.org/abs/2001.00001
        """

    assert 'without a References' in reference_problems(NoSection)[0]
    assert 'has no link' in reference_problems(NoLink)[0]
    assert 'malformed arXiv link' in reference_problems(BadArxiv)[0]
    assert reference_problems(Good) == []
