//! Kernels behind `pluralign.govern`: the k-means of the Polis math (Small et al., 2021;
//! compdemocracy/polis `math/src/polismath/math/clusters.clj`). Everything else of the Polis
//! pipeline (PCA, in-conv rule, silhouettes over base clusters, repness) is cheap and lives
//! in Python; this is the one loop that runs over every participant.

pub mod kmeans;
