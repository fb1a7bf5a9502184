"""The SEN register as MIS systems export it: columns, headings, values, the mapping file
and one row per need, read into checked pupil records."""
