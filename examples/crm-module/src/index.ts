// The example CRM module's public surface: its definitions and its typed queries.
export {
  CONTACT_STATUSES,
  CRM_MODULE_ID,
  type CrmModule,
  type CrmModuleV2,
  crmModule,
  crmModuleV2,
  DEAL_STAGES,
} from './crm-module';
export {
  addNote,
  type Company,
  type Contact,
  type CrmDatabase,
  createContactWithCompany,
  type Deal,
  dealPipeline,
  type HotLeadOptions,
  listHotLeads,
  type NewContactWithCompany,
  qualifyLead,
} from './crm-queries';
