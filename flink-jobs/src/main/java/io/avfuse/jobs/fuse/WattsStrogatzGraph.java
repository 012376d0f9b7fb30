package io.avfuse.jobs.fuse;

import java.util.BitSet;
import java.util.Random;

/**
 * A Watts-Strogatz small-world graph: a ring lattice in which every node is joined to its {@code k}
 * nearest neighbours ({@code k/2} on each side), then each lattice edge {@code (u, u+j)} is rewired
 * with probability {@code p} to {@code (u, w)} for a uniformly drawn {@code w} that is neither
 * {@code u} nor already a neighbour. Undirected, without self-loops; the edge count stays {@code n
 * k / 2}. The same arguments always give the same graph, so a model built from it has the same
 * connectivity at training and after loading.
 *
 * <p>{@code WattsStrogatzGraph g = WattsStrogatzGraph.generate(128, 8, 0.2, 42);}
 */
public final class WattsStrogatzGraph {
    private final int nodes;
    private final BitSet[] neighbours;
    private final int rewired;

    private WattsStrogatzGraph(int nodes, BitSet[] neighbours, int rewired) {
        this.nodes = nodes;
        this.neighbours = neighbours;
        this.rewired = rewired;
    }

    public static WattsStrogatzGraph generate(int nodes, int k, double p, long seed) {
        if (k < 2 || k % 2 != 0 || k >= nodes) {
            throw new IllegalArgumentException(
                    "k must be even, at least 2 and below the " + nodes + " nodes, not " + k);
        }
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("rewiring probability must be in [0, 1], not " + p);
        }
        BitSet[] adj = new BitSet[nodes];
        for (int u = 0; u < nodes; u++) {
            adj[u] = new BitSet(nodes);
        }
        for (int u = 0; u < nodes; u++) {
            for (int j = 1; j <= k / 2; j++) {
                link(adj, u, (u + j) % nodes);
            }
        }
        Random random = new Random(seed);
        int rewired = 0;
        // Ring by ring (all first neighbours, then all second ones...), as Watts and Strogatz do.
        for (int j = 1; j <= k / 2; j++) {
            for (int u = 0; u < nodes; u++) {
                if (random.nextDouble() >= p || adj[u].cardinality() >= nodes - 1) {
                    continue;
                }
                int w = random.nextInt(nodes);
                while (w == u || adj[u].get(w)) {
                    w = random.nextInt(nodes);
                }
                int v = (u + j) % nodes;
                adj[u].clear(v);
                adj[v].clear(u);
                link(adj, u, w);
                rewired++;
            }
        }
        return new WattsStrogatzGraph(nodes, adj, rewired);
    }

    private static void link(BitSet[] adj, int a, int b) {
        adj[a].set(b);
        adj[b].set(a);
    }

    public int nodes() {
        return nodes;
    }

    public boolean connected(int a, int b) {
        return neighbours[a].get(b);
    }

    public int degree(int node) {
        return neighbours[node].cardinality();
    }

    public int edges() {
        int sum = 0;
        for (BitSet n : neighbours) {
            sum += n.cardinality();
        }
        return sum / 2;
    }

    /** How many lattice edges were moved. */
    public int rewired() {
        return rewired;
    }

    /**
     * The adjacency matrix plus the identity, row-major {@code nodes x nodes} of 1 and 0: as a
     * weight mask, each feature keeps its own input and hears only its graph neighbours.
     */
    public float[] maskWithSelfLoops() {
        float[] mask = new float[nodes * nodes];
        for (int a = 0; a < nodes; a++) {
            mask[a * nodes + a] = 1f;
            for (int b = neighbours[a].nextSetBit(0); b >= 0; b = neighbours[a].nextSetBit(b + 1)) {
                mask[a * nodes + b] = 1f;
            }
        }
        return mask;
    }
}
