#!/bin/sh
# inst/extdata/ecoli_326kb.prokka.{gff.gz,tsv}: Prokka 1.14.6 annotation of the first
# 326,620 bp of E. coli K-12 MG1655 (GenBank U00096.3; 304 CDS, 5 tRNA, 2 rRNA), as shipped
# in the project's shared data. The GFF keeps Prokka's ##FASTA section (the sequence), so
# one file serves as annotation and genome. Run from the package root with the shared data
# folder beside it.
set -e
gzip -9 -c ../shared/data/ecoli_k12_mg1655_first326kb.prokka.gff > inst/extdata/ecoli_326kb.prokka.gff.gz
cp ../shared/data/ecoli_k12_mg1655_first326kb.prokka.tsv inst/extdata/ecoli_326kb.prokka.tsv
