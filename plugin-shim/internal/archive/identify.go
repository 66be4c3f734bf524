package archive

import (
	"archive/zip"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Identify reads the ID and schema version of an .mtar's META-INF/mtad.yaml: what an extension
// descriptor written for it (the secure parameters' one) must name.
func Identify(mtarPath string) (id, schemaVersion string, err error) {
	z, err := zip.OpenReader(mtarPath)
	if err != nil {
		return "", "", fmt.Errorf("Could not read the MTA archive %s: %v", mtarPath, err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "META-INF/mtad.yaml" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return "", "", err
		}
		defer r.Close()
		raw, err := io.ReadAll(io.LimitReader(r, maxDescriptorBytes+1))
		if err != nil {
			return "", "", err
		}
		var top struct {
			ID     string    `yaml:"ID"`
			Schema yaml.Node `yaml:"_schema-version"`
		}
		if err := yaml.Unmarshal(raw, &top); err != nil || top.ID == "" || top.Schema.Value == "" {
			return "", "", fmt.Errorf("Could not get MTA ID from deployment descriptor: META-INF/mtad.yaml of %s has no ID or _schema-version", mtarPath)
		}
		return top.ID, top.Schema.Value, nil
	}
	return "", "", fmt.Errorf("Could not get MTA ID from deployment descriptor: %s has no META-INF/mtad.yaml", mtarPath)
}
