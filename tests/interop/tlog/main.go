// Command tlog-interop checks QuantumLedger's transparency log artifacts with Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, and produces artifacts made by
// those packages for our verifier to check.
//
// It reads one JSON request on stdin and writes one JSON response on stdout; the Python test
// (tests/unit/tlog/test_interop_go.py) builds it from source with the Debian package
// golang-golang-x-mod-dev (GO111MODULE=off, GOPATH=/usr/share/gocode): no network.
//
// In HTTP mode ("http" in the request) it reads a running QuantumLedger the way any C2SP client
// does (tests/integration/tlog/test_interop_http.py): the checkpoint, tiles and entry bundles
// over net/http, proofs rebuilt with tlog.TileHashReader, and the server's JSON proofs checked.
//
// The only code of ours here is the glue: the cosignature/v1 verifier and signer (sumdb/note
// knows only Ed25519 type 0x01, but it takes any Verifier/Signer), which follows
// c2sp.org/tlog-cosignature with crypto/ed25519, and the checkpoint's three-line parse.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type cosigner struct {
	Name string `json:"name"`
	Pub  []byte `json:"pub"`
}

type noteCheck struct {
	Note      string     `json:"note"`
	Vkeys     []string   `json:"vkeys"`
	Cosigners []cosigner `json:"cosigners"`
}

type recordCheck struct {
	Size  int64       `json:"size"`
	Root  tlog.Hash   `json:"root"`
	Index int64       `json:"index"`
	Leaf  []byte      `json:"leaf"`
	Proof []tlog.Hash `json:"proof"`
}

type treeCheck struct {
	OldSize int64       `json:"old_size"`
	OldRoot tlog.Hash   `json:"old_root"`
	NewSize int64       `json:"new_size"`
	NewRoot tlog.Hash   `json:"new_root"`
	Proof   []tlog.Hash `json:"proof"`
}

// tileCheck serves our C2SP tiles to Go's TileHashReader (Go's tile/8/L/N path is the C2SP
// tile/L/N with the height element) and asks it for proofs.
type tileCheck struct {
	Size        int64             `json:"size"`
	Root        tlog.Hash         `json:"root"`
	Tiles       map[string][]byte `json:"tiles"`
	ProveRecord []int64           `json:"prove_record"`
	ProveTree   []int64           `json:"prove_tree"`
}

type produce struct {
	Name       string   `json:"name"`
	Seed       []byte   `json:"seed"`
	Text       string   `json:"text"`
	Leaves     [][]byte `json:"leaves"`
	OldSize    int64    `json:"old_size"`
	Cosigner   string   `json:"cosigner"`
	CosignSeed []byte   `json:"cosign_seed"`
	Time       uint64   `json:"time"`
}

// httpCheck reads a log over HTTP: <url>/log/checkpoint, <url>/log/tile/..., and the JSON
// proofs under <url>/api/v1/log, and checks them with sumdb/note and sumdb/tlog only.
type httpCheck struct {
	URL           string     `json:"url"`
	Vkey          string     `json:"vkey"`
	Cosigners     []cosigner `json:"cosigners"`
	Indexes       []int64    `json:"indexes"`
	OldCheckpoint string     `json:"old_checkpoint"`
}

type httpOutcome struct {
	OK        bool      `json:"ok"`
	Error     string    `json:"error,omitempty"`
	Verified  []string  `json:"verified"`
	Size      int64     `json:"size"`
	Root      tlog.Hash `json:"root"`
	Entries   [][]byte  `json:"entries"`
	OldSize   int64     `json:"old_size"`
	TilesRead int       `json:"tiles_read"`
}

type request struct {
	Notes       []noteCheck   `json:"notes"`
	Records     []recordCheck `json:"records"`
	Trees       []treeCheck   `json:"trees"`
	Tiles       []tileCheck   `json:"tiles"`
	StoredIndex [][2]int64    `json:"stored_index"`
	Split       []int64       `json:"split"`
	TilePaths   [][3]int64    `json:"tile_paths"`
	Produce     *produce      `json:"produce"`
	HTTP        *httpCheck    `json:"http"`
}

type outcome struct {
	OK       bool     `json:"ok"`
	Error    string   `json:"error,omitempty"`
	Verified []string `json:"verified,omitempty"`
}

type tileOutcome struct {
	OK          bool          `json:"ok"`
	Error       string        `json:"error,omitempty"`
	RecordProof [][]tlog.Hash `json:"record_proofs"`
	TreeProof   [][]tlog.Hash `json:"tree_proofs"`
	TreeHashes  []tlog.Hash   `json:"tree_hashes"`
}

type produced struct {
	Vkey        string            `json:"vkey"`
	Skey        string            `json:"skey"`
	Note        string            `json:"note"`
	Checkpoint  string            `json:"checkpoint"`
	Root        tlog.Hash         `json:"root"`
	OldRoot     tlog.Hash         `json:"old_root"`
	Proofs      [][]tlog.Hash     `json:"record_proofs"`
	TreeProof   []tlog.Hash       `json:"tree_proof"`
	Tiles       map[string][]byte `json:"tiles"`
	CosignerKey []byte            `json:"cosigner_pub"`
}

type response struct {
	Notes       []outcome     `json:"notes"`
	Records     []outcome     `json:"records"`
	Trees       []outcome     `json:"trees"`
	Tiles       []tileOutcome `json:"tiles"`
	StoredIndex []int64       `json:"stored_index"`
	Split       [][2]int64    `json:"split"`
	TilePaths   []string      `json:"tile_paths"`
	Produced    *produced     `json:"produced,omitempty"`
	HTTP        *httpOutcome  `json:"http,omitempty"`
}

// cosignatureV1 is a c2sp.org/tlog-cosignature Ed25519 key (signature type 0x04).
type cosignatureV1 struct {
	name string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
	time uint64
}

func (c *cosignatureV1) Name() string { return c.name }

func (c *cosignatureV1) KeyHash() uint32 {
	h := sha256.Sum256(append(append([]byte(c.name+"\n"), 0x04), c.pub...))
	return binary.BigEndian.Uint32(h[:4])
}

func cosignedMessage(t uint64, text []byte) []byte {
	return append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), text...)
}

func (c *cosignatureV1) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	return t <= 1<<63-1 && ed25519.Verify(c.pub, cosignedMessage(t, msg), sig[8:])
}

func (c *cosignatureV1) Sign(msg []byte) ([]byte, error) {
	out := binary.BigEndian.AppendUint64(nil, c.time)
	return append(out, ed25519.Sign(c.priv, cosignedMessage(c.time, msg))...), nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkNote(c noteCheck) outcome {
	var vs []note.Verifier
	for _, k := range c.Vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return outcome{Error: "vkey: " + err.Error()}
		}
		vs = append(vs, v)
	}
	for _, k := range c.Cosigners {
		vs = append(vs, &cosignatureV1{name: k.Name, pub: ed25519.PublicKey(k.Pub)})
	}
	n, err := note.Open([]byte(c.Note), note.VerifierList(vs...))
	if err != nil {
		return outcome{Error: err.Error()}
	}
	out := outcome{OK: true}
	for _, s := range n.Sigs {
		out.Verified = append(out.Verified, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	// The checkpoint's own three lines, as c2sp.org/tlog-checkpoint says.
	if lines := strings.Split(n.Text, "\n"); len(lines) >= 4 && strings.HasSuffix(n.Text, "\n") {
		if _, err := strconv.ParseInt(lines[1], 10, 64); err == nil {
			if _, err := tlog.ParseHash(lines[2]); err != nil {
				return outcome{Error: "checkpoint root: " + err.Error()}
			}
		}
	}
	return out
}

type tileServer struct{ tiles map[string][]byte }

func (s tileServer) Height() int { return height }

func (s tileServer) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		// Go's path has the height; C2SP's has not: tile/8/L/N -> tile/L/N.
		path := "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
		d, ok := s.tiles[path]
		if !ok {
			return nil, fmt.Errorf("no tile %s (Go path %s)", path, t.Path())
		}
		out[i] = d
	}
	return out, nil
}

func (s tileServer) SaveTiles([]tlog.Tile, [][]byte) {}

func checkTiles(c tileCheck) tileOutcome {
	r := tlog.TileHashReader(tlog.Tree{N: c.Size, Hash: c.Root}, tileServer{c.Tiles})
	out := tileOutcome{OK: true}
	for _, i := range c.ProveRecord {
		p, err := tlog.ProveRecord(c.Size, i, r)
		if err != nil {
			return tileOutcome{Error: fmt.Sprintf("ProveRecord(%d, %d): %v", c.Size, i, err)}
		}
		out.RecordProof = append(out.RecordProof, p)
	}
	for _, m := range c.ProveTree {
		p, err := tlog.ProveTree(c.Size, m, r)
		if err != nil {
			return tileOutcome{Error: fmt.Sprintf("ProveTree(%d, %d): %v", c.Size, m, err)}
		}
		h, err := tlog.TreeHash(m, r)
		if err != nil {
			return tileOutcome{Error: fmt.Sprintf("TreeHash(%d): %v", m, err)}
		}
		out.TreeProof = append(out.TreeProof, p)
		out.TreeHashes = append(out.TreeHashes, h)
	}
	return out
}

type hashStore []tlog.Hash

func (s hashStore) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(s)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = s[x]
	}
	return out, nil
}

func run(p *produce) (*produced, error) {
	priv := ed25519.NewKeyFromSeed(p.Seed)
	vkey, err := note.NewEd25519VerifierKey(p.Name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	// The signer key in Go's own encoding, read back by note.NewSigner.
	pubkey := append([]byte{1}, priv.Public().(ed25519.PublicKey)...)
	h := sha256.Sum256(append([]byte(p.Name+"\n"), pubkey...))
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", p.Name, binary.BigEndian.Uint32(h[:4]),
		base64.StdEncoding.EncodeToString(append([]byte{1}, p.Seed...)))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	out := &produced{Vkey: vkey, Skey: skey, Tiles: map[string][]byte{}}
	msg, err := note.Sign(&note.Note{Text: p.Text}, signer)
	if err != nil {
		return nil, err
	}
	out.Note = string(msg)

	var store hashStore
	for i, d := range p.Leaves {
		hs, err := tlog.StoredHashes(int64(i), d, store)
		if err != nil {
			return nil, err
		}
		store = append(store, hs...)
	}
	n := int64(len(p.Leaves))
	if out.Root, err = tlog.TreeHash(n, store); err != nil {
		return nil, err
	}
	if out.OldRoot, err = tlog.TreeHash(p.OldSize, store); err != nil {
		return nil, err
	}
	for i := int64(0); i < n; i++ {
		pr, err := tlog.ProveRecord(n, i, store)
		if err != nil {
			return nil, err
		}
		out.Proofs = append(out.Proofs, pr)
	}
	if p.OldSize > 0 {
		if out.TreeProof, err = tlog.ProveTree(n, p.OldSize, store); err != nil {
			return nil, err
		}
	}
	for _, t := range tlog.NewTiles(height, 0, n) {
		d, err := tlog.ReadTileData(t, store)
		if err != nil {
			return nil, err
		}
		out.Tiles[t.Path()] = d
	}
	cp := fmt.Sprintf("%s\n%d\n%s\n", p.Name, n, out.Root)
	cos := &cosignatureV1{name: p.Cosigner, time: p.Time}
	cpriv := ed25519.NewKeyFromSeed(p.CosignSeed)
	cos.priv, cos.pub = cpriv, cpriv.Public().(ed25519.PublicKey)
	out.CosignerKey = cos.pub
	signed, err := note.Sign(&note.Note{Text: cp}, signer, cos)
	if err != nil {
		return nil, err
	}
	out.Checkpoint = string(signed)
	return out, nil
}

type httpTiles struct {
	url  string
	read int
}

func (h *httpTiles) Height() int { return height }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		// Go's path has the height; C2SP's has not: tile/8/L/N -> tile/L/N.
		path := "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
		d, err := get(h.url + "/log/" + path)
		if err != nil {
			return nil, err
		}
		h.read++
		out[i] = d
	}
	return out, nil
}

func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func get(url string) ([]byte, error) {
	r, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if r.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", url, r.StatusCode, body)
	}
	return body, nil
}

func openCheckpoint(text []byte, c httpCheck) (*note.Note, int64, tlog.Hash, error) {
	v, err := note.NewVerifier(c.Vkey)
	if err != nil {
		return nil, 0, tlog.Hash{}, err
	}
	vs := []note.Verifier{v}
	for _, k := range c.Cosigners {
		vs = append(vs, &cosignatureV1{name: k.Name, pub: ed25519.PublicKey(k.Pub)})
	}
	n, err := note.Open(text, note.VerifierList(vs...))
	if err != nil {
		return nil, 0, tlog.Hash{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		return nil, 0, tlog.Hash{}, fmt.Errorf("not a checkpoint of %s", v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return nil, 0, tlog.Hash{}, err
	}
	root, err := tlog.ParseHash(lines[2])
	return n, size, root, err
}

// entry returns record index from its entry bundle: big-endian uint16 length-prefixed entries.
func entry(url string, index, size int64) ([]byte, error) {
	n := index / 256
	w := size - n*256
	if w > 256 {
		w = 256
	}
	path := tlog.Tile{H: height, L: -1, N: n, W: 256}.Path()
	path = "tile/entries/" + strings.TrimPrefix(path, fmt.Sprintf("tile/%d/data/", height))
	if w < 256 {
		path = strings.TrimSuffix(path, ".p/256") + fmt.Sprintf(".p/%d", w)
	}
	data, err := get(url + "/log/" + path)
	if err != nil {
		return nil, err
	}
	for i := int64(0); len(data) >= 2; i++ {
		l := int(binary.BigEndian.Uint16(data[:2]))
		if len(data) < 2+l {
			return nil, fmt.Errorf("entry bundle %s ends inside an entry", path)
		}
		if i == index%256 {
			return data[2 : 2+l], nil
		}
		data = data[2+l:]
	}
	return nil, fmt.Errorf("entry %d not in bundle %s", index, path)
}

func checkHTTP(c httpCheck) httpOutcome {
	fail := func(format string, args ...any) httpOutcome {
		return httpOutcome{Error: fmt.Sprintf(format, args...)}
	}
	text, err := get(c.URL + "/log/checkpoint")
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	n, size, root, err := openCheckpoint(text, c)
	if err != nil {
		return fail("checkpoint: %v", err)
	}
	out := httpOutcome{OK: true, Size: size, Root: root}
	for _, s := range n.Sigs {
		out.Verified = append(out.Verified, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	tiles := &httpTiles{url: c.URL}
	r := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles)
	if h, err := tlog.TreeHash(size, r); err != nil || h != root {
		return fail("TreeHash(%d) from tiles: %v (%v, root %v)", size, err, h, root)
	}
	for _, i := range c.Indexes {
		rec, err := entry(c.URL, i, size)
		if err != nil {
			return fail("entry %d: %v", i, err)
		}
		p, err := tlog.ProveRecord(size, i, r)
		if err != nil {
			return fail("ProveRecord(%d, %d): %v", size, i, err)
		}
		if err := tlog.CheckRecord(p, size, root, i, tlog.RecordHash(rec)); err != nil {
			return fail("CheckRecord %d (proof from tiles): %v", i, err)
		}
		// and the server's own proof, from its JSON API
		var served struct {
			Proof []string `json:"proof"`
		}
		body, err := get(fmt.Sprintf("%s/api/v1/log/proof/inclusion?index=%d&size=%d", c.URL, i, size))
		if err != nil {
			return fail("inclusion proof %d: %v", i, err)
		}
		if err := json.Unmarshal(body, &served); err != nil {
			return fail("inclusion proof %d: %v", i, err)
		}
		var sp tlog.RecordProof
		for _, h := range served.Proof {
			hh, err := tlog.ParseHash(h)
			if err != nil {
				return fail("inclusion proof %d: %v", i, err)
			}
			sp = append(sp, hh)
		}
		if err := tlog.CheckRecord(sp, size, root, i, tlog.RecordHash(rec)); err != nil {
			return fail("CheckRecord %d (the server's proof): %v", i, err)
		}
		out.Entries = append(out.Entries, rec)
	}
	if c.OldCheckpoint != "" {
		_, oldSize, oldRoot, err := openCheckpoint([]byte(c.OldCheckpoint), c)
		if err != nil {
			return fail("old checkpoint: %v", err)
		}
		if oldSize > 0 {
			p, err := tlog.ProveTree(size, oldSize, r)
			if err != nil {
				return fail("ProveTree(%d, %d): %v", size, oldSize, err)
			}
			if err := tlog.CheckTree(p, size, root, oldSize, oldRoot); err != nil {
				return fail("CheckTree %d -> %d: %v", oldSize, size, err)
			}
		}
		out.OldSize = oldSize
	}
	out.TilesRead = tiles.read
	return out
}

func main() {
	var req request
	dec := json.NewDecoder(os.Stdin)
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "bad request:", err)
		os.Exit(2)
	}
	var resp response
	for _, c := range req.Notes {
		resp.Notes = append(resp.Notes, checkNote(c))
	}
	for _, c := range req.Records {
		err := tlog.CheckRecord(c.Proof, c.Size, c.Root, c.Index, tlog.RecordHash(c.Leaf))
		resp.Records = append(resp.Records, outcome{OK: err == nil, Error: errString(err)})
	}
	for _, c := range req.Trees {
		err := tlog.CheckTree(c.Proof, c.NewSize, c.NewRoot, c.OldSize, c.OldRoot)
		resp.Trees = append(resp.Trees, outcome{OK: err == nil, Error: errString(err)})
	}
	for _, c := range req.Tiles {
		resp.Tiles = append(resp.Tiles, checkTiles(c))
	}
	for _, x := range req.StoredIndex {
		resp.StoredIndex = append(resp.StoredIndex, tlog.StoredHashIndex(int(x[0]), x[1]))
	}
	for _, x := range req.Split {
		l, n := tlog.SplitStoredHashIndex(x)
		resp.Split = append(resp.Split, [2]int64{int64(l), n})
	}
	for _, t := range req.TilePaths {
		resp.TilePaths = append(resp.TilePaths, tlog.Tile{H: height, L: int(t[0]), N: t[1], W: int(t[2])}.Path())
	}
	if req.HTTP != nil {
		o := checkHTTP(*req.HTTP)
		resp.HTTP = &o
	}
	if req.Produce != nil {
		p, err := run(req.Produce)
		if err != nil {
			fmt.Fprintln(os.Stderr, "produce:", err)
			os.Exit(1)
		}
		resp.Produced = p
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "encode:", err)
		os.Exit(1)
	}
	os.Stdout.Write(buf.Bytes())
}
