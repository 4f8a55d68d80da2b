"""The Whoosh engine: every `import whoosh` of the project belongs in this folder."""
