"""The DfE's local authority numbers: characters 2 to 4 of a pupil's UPN.

python-stdnum checks a UPN's authority against the DfE's list of January 2011, so it refuses the
UPNs of every authority created since, and a whole school's register with them. This module is
the one place that knows better; the UPN's format and check letter are still stdnum's.

Source: the DfE's local authority codes (Get Information about Schools, "LA (code)"), as changed
by local government reorganisation since 2011:
- April 2019: Dorset 838 (replacing 835), Bournemouth, Christchurch and Poole 839 (replacing
  Bournemouth 837 and Poole 836);
- April 2021: North Northamptonshire 940 and West Northamptonshire 941 (replacing
  Northamptonshire 928);
- April 2023: Cumberland 942 and Westmorland and Furness 943 (replacing Cumbria 909).
Checked December 2026. A UPN stays with a pupil for life, so the numbers of authorities since
abolished remain valid in the UPNs they issued.
"""

from __future__ import annotations

# January 2011 (as python-stdnum 2.x lists them), all still found in pupils' UPNs.
NUMBERS_2011 = frozenset(
    {
        201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 301, 302, 303, 304,
        305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 330,
        331, 332, 333, 334, 335, 336, 340, 341, 342, 343, 344, 350, 351, 352, 353, 354, 355,
        356, 357, 358, 359, 370, 371, 372, 373, 380, 381, 382, 383, 384, 390, 391, 392, 393,
        394, 420, 800, 801, 802, 803, 805, 806, 807, 808, 810, 811, 812, 813, 815, 816, 821,
        822, 823, 825, 826, 830, 831, 835, 836, 837, 840, 841, 845, 846, 850, 851, 852, 855,
        856, 857, 860, 861, 865, 866, 867, 868, 869, 870, 871, 872, 873, 874, 876, 877, 878,
        879, 880, 881, 882, 883, 884, 885, 886, 887, 888, 889, 890, 891, 892, 893, 894, 895,
        896, 908, 909, 916, 919, 921, 925, 926, 928, 929, 931, 933, 935, 936, 937, 938,
    }
)  # fmt: skip
SINCE_2011 = frozenset({838, 839, 940, 941, 942, 943})
# Replaced by the reorganisations above: no longer issued, but kept in the UPNs of their pupils.
ABOLISHED = frozenset({835, 836, 837, 909, 928})
# The numbers the DfE lists today (England's 153 authorities).
CURRENT = (NUMBERS_2011 - ABOLISHED) | SINCE_2011
# What a UPN may hold: a UPN is for life, so an abolished authority's number is still accepted.
LA_NUMBERS = CURRENT | ABOLISHED
