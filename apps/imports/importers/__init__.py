"""The importers, one per kind of file."""


def importer_class(kind):
    from apps.imports.importers.boundaries import BoundariesImporter
    from apps.imports.importers.gazetteer import GazetteerImporter
    from apps.imports.importers.geography import GeographyImporter
    from apps.imports.importers.members import MembersImporter
    from apps.imports.importers.organizations import OrganizationsImporter
    from apps.imports.importers.staff import StaffImporter

    return {
        c.kind: c
        for c in (
            GeographyImporter,
            GazetteerImporter,
            BoundariesImporter,
            OrganizationsImporter,
            MembersImporter,
            StaffImporter,
        )
    }[kind]
