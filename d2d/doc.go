// Package d2d groups phones into device-to-device (D2D) clusters and
// describes the links, the cluster heads and the peers through which one
// phone can hand a task to another.
//
// Clustering is k-means over positions with k-means++ seeding (KMeans),
// the number of clusters given or chosen as the smallest that keeps every
// cluster within a radius; Recluster re-forms the clusters as phones move,
// warm-started from the previous centroids and keeping cluster ids where
// it can. ChooseHead and Heads pick each cluster's head by battery and
// compute capability. A Link is a D2D radio (Wi-Fi Direct or LTE/NR
// sidelink, presets in the embedded links.csv with their sources) whose rate
// falls with distance under a log-distance path-loss model and is zero
// beyond its range; it says how long a transfer takes and what it costs the
// sender's battery. AcceptRule is the peer's own rule for taking work, and
// Candidates lists a requester's cluster peers, in order of id, as targets
// for an offloading policy.
//
// Everything here is a pure function of its arguments: randomness comes
// only from the *rand.Rand the caller passes, so the same stream gives the
// same clusters, and no result depends on map iteration order.
package d2d
