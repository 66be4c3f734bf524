package main

import (
	"bytes"
	"crypto/sha1"
	"debug/macho"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	cliplugin "code.cloudfoundry.org/cli/v8/api/plugin"
	"code.cloudfoundry.org/cli/v8/util/generic"
)

// thinMachO is the smallest Mach-O debug/macho accepts: a 64-bit header without load commands.
func thinMachO(cpu macho.Cpu, sub uint32, payload string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, [8]uint32{macho.Magic64, uint32(cpu), sub, uint32(macho.TypeExec), 0, 0, 0, 0})
	b.WriteString(payload)
	return b.Bytes()
}

func TestReleaseMakesUniversalMacBinaryChecksumsAndIndex(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	amd64 := thinMachO(macho.CpuAmd64, 3, "intel")
	arm64 := thinMachO(macho.CpuArm64, 0, "apple silicon")
	write("bg-deploy.osx-amd64", amd64)
	write("bg-deploy.osxarm64", arm64)
	for _, name := range []string{"linux64", "linuxarm64", "win64.exe"} {
		write("bg-deploy."+name, []byte(name))
	}
	if err := release(dir, "http://127.0.0.1:8080/", "1.2.3"); err != nil {
		t.Fatal(err)
	}

	fat, err := macho.OpenFat(filepath.Join(dir, "bg-deploy.osx"))
	if err != nil {
		t.Fatal(err)
	}
	defer fat.Close()
	if len(fat.Arches) != 2 || fat.Arches[0].Cpu != macho.CpuAmd64 || fat.Arches[1].Cpu != macho.CpuArm64 {
		t.Fatalf("arches %+v", fat.Arches)
	}
	whole, _ := os.ReadFile(filepath.Join(dir, "bg-deploy.osx"))
	for i, want := range [][]byte{amd64, arm64} {
		a := fat.Arches[i].FatArchHeader
		if a.Offset%(1<<fatAlign) != 0 || !bytes.Equal(whole[a.Offset:a.Offset+a.Size], want) {
			t.Fatalf("arch %d is not the thin binary, aligned", i)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bg-deploy.osx-amd64")); !os.IsNotExist(err) {
		t.Fatal("the thin amd64 binary is merged, not shipped")
	}

	// The index, read with the cf CLI's own types: every platform the CLI can ask for has a
	// binary, at the served URL, with the SHA-1 the CLI compares.
	data, _ := os.ReadFile(filepath.Join(dir, "list"))
	var repo cliplugin.PluginRepository
	if err := json.Unmarshal(data, &repo); err != nil {
		t.Fatal(err)
	}
	if len(repo.Plugins) != 1 || repo.Plugins[0].Name != "bg-deploy" || repo.Plugins[0].Version != "1.2.3" {
		t.Fatalf("%+v", repo.Plugins)
	}
	byPlatform := map[string]cliplugin.PluginBinary{}
	for _, b := range repo.Plugins[0].Binaries {
		byPlatform[b.Platform] = b
	}
	for _, p := range []struct{ goos, goarch, file string }{
		{"linux", "amd64", "bg-deploy.linux64"}, {"windows", "amd64", "bg-deploy.win64.exe"},
		{"darwin", "amd64", "bg-deploy.osx"}, {"darwin", "arm64", "bg-deploy.osx"},
	} {
		b, ok := byPlatform[generic.GeneratePlatform(p.goos, p.goarch)]
		file, _ := os.ReadFile(filepath.Join(dir, p.file))
		sum := sha1.Sum(file)
		if !ok || b.URL != "http://127.0.0.1:8080/"+p.file || b.Checksum != hex.EncodeToString(sum[:]) {
			t.Errorf("%s/%s: %+v", p.goos, p.goarch, b)
		}
	}
	sums, _ := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	if !bytes.Contains(sums, []byte("  bg-deploy.linux64\n")) || bytes.Count(sums, []byte("\n")) != 5 {
		t.Fatalf("checksums.txt:\n%s", sums)
	}
}
